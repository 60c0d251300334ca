import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Payload filters: a webhook may carry conditions on the event's data (`payload_filter`, null for none). Publishing
 * reads the column with the subscribers it already finds, so it needs no index of its own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE webhooks ADD COLUMN payload_filter jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE webhooks DROP COLUMN payload_filter`.execute(db);
}
