import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Who works on a pending delivery, when its next attempt is due, and which attempt holds it right now.
 * - `workflow_id`: the one workflow allowed to attempt the delivery. A workflow started by a publication that
 *   rolled back owns nothing, so it can never capture a delivery committed later under the same event id.
 * - `next_attempt_at`: when the next attempt is due. An attempt never starts before it; a pending delivery long
 *   past it with no live owner is found and restarted by the reconciler.
 * - `lease_attempt_id` / `lease_expires_at`: the attempt in flight. No second attempt starts while it holds the
 *   lease, so two attempts at one delivery never overlap, however an activity is retried.
 * - `series_start`: attempts the delivery had when its current series began (0, or the count at a manual retry).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE deliveries
    ADD COLUMN workflow_id text,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN lease_attempt_id text,
    ADD COLUMN lease_expires_at timestamptz,
    ADD COLUMN series_start integer NOT NULL DEFAULT 0`.execute(db);
  await sql`UPDATE deliveries SET next_attempt_at = updated_at WHERE status = 'pending'`.execute(db);
  // The reconciler's scan: pending deliveries by due time; small, because settled deliveries are not in it.
  await sql`CREATE INDEX deliveries_pending_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS deliveries_pending_due_idx`.execute(db);
  await sql`ALTER TABLE deliveries
    DROP COLUMN workflow_id, DROP COLUMN next_attempt_at, DROP COLUMN lease_attempt_id,
    DROP COLUMN lease_expires_at, DROP COLUMN series_start`.execute(db);
}
