import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Scheduled sends: an event may be published now and delivered later (`deliver_at`). Its deliveries are stored at
 * once as `scheduled`, owned by the fan-out workflow that Temporal holds back until then; `cancelled` when the event
 * is withdrawn before it is sent (`cancelled_at`). The partial index serves the reconciler's look at scheduled
 * deliveries (soonest first) and the metrics gauge, without reading the delivery history.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE events ADD COLUMN deliver_at timestamptz, ADD COLUMN cancelled_at timestamptz`.execute(db);
  await sql`ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check`.execute(db);
  await sql`ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'succeeded', 'failed', 'parked', 'discarded', 'scheduled', 'cancelled'))`.execute(db);
  await sql`CREATE INDEX deliveries_scheduled_due_idx ON deliveries (next_attempt_at) WHERE status = 'scheduled'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS deliveries_scheduled_due_idx`.execute(db);
  await sql`UPDATE deliveries SET status = 'pending' WHERE status = 'scheduled'`.execute(db);
  await sql`UPDATE deliveries SET status = 'discarded', last_error = 'cancelled before it was sent' WHERE status = 'cancelled'`.execute(
    db,
  );
  await sql`ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check`.execute(db);
  await sql`ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'succeeded', 'failed', 'parked', 'discarded'))`.execute(db);
  await sql`ALTER TABLE events DROP COLUMN deliver_at, DROP COLUMN cancelled_at`.execute(db);
}
