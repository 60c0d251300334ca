import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Retention: a workspace may keep its events, deliveries and attempts for a number of days of its own (null: the
 * configured default). The cleanup walks `events_scope_created_idx` per workspace and mode, and finds an event's
 * deliveries through `deliveries_scope_event_idx`, so it needs no index of its own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE workspaces ADD COLUMN retention_days integer CHECK (retention_days BETWEEN 1 AND 3650)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE workspaces DROP COLUMN retention_days`.execute(db);
}
