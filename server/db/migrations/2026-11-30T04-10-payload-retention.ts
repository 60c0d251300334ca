import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Payload retention: past a shorter window an event's payload is dropped (null) and its attempts' response excerpts
 * with it, while the rows that say what happened stay until the full window. A workspace may set that window too
 * (null: the configured default). The cleanup walks the events that still hold a payload oldest first; a partial
 * index keeps that walk from stepping over the ones already dropped, which stay in the table for weeks.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE events ALTER COLUMN payload DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE workspaces ADD COLUMN payload_retention_days integer
              CHECK (payload_retention_days BETWEEN 1 AND 3650)`.execute(db);
  await sql`CREATE INDEX events_payload_kept_idx ON events (workspace_id, mode, created_at)
              WHERE payload IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX events_payload_kept_idx`.execute(db);
  await sql`ALTER TABLE workspaces DROP COLUMN payload_retention_days`.execute(db);
  // Events whose payload was dropped cannot take NOT NULL again; they get an empty object.
  await sql`UPDATE events SET payload = '{}' WHERE payload IS NULL`.execute(db);
  await sql`ALTER TABLE events ALTER COLUMN payload SET NOT NULL`.execute(db);
}
