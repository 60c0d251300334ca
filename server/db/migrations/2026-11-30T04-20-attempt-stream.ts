import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * The attempt stream (`deliveries.tail`) reads completed attempts in the order their transactions got an id, not
 * in `completed_at` order: `completed_xid` is the id of the transaction that recorded the attempt's outcome, set
 * by a trigger so that every path that completes an attempt (the outcome statement, an interrupted attempt, a
 * settled delivery) stamps it, whatever the statement. The partial index serves the stream's one query: the next
 * completed attempts after a cursor, in (completed_xid, id) order. Attempts completed before this migration have
 * no stamp and are never streamed (they are history, not news).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE delivery_attempts ADD COLUMN completed_xid xid8`.execute(db);
  await sql`
    CREATE FUNCTION delivery_attempts_stamp_completion() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.completed_at IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.completed_at IS DISTINCT FROM OLD.completed_at
                                           OR NEW.outcome IS DISTINCT FROM OLD.outcome) THEN
        NEW.completed_xid := pg_current_xact_id();
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER delivery_attempts_stamp_completion
      BEFORE INSERT OR UPDATE OF completed_at, outcome ON delivery_attempts
      FOR EACH ROW EXECUTE FUNCTION delivery_attempts_stamp_completion()`.execute(db);
  await sql`CREATE INDEX delivery_attempts_completed_xid_idx ON delivery_attempts (completed_xid, id)
              WHERE completed_xid IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS delivery_attempts_stamp_completion ON delivery_attempts`.execute(db);
  await sql`DROP FUNCTION IF EXISTS delivery_attempts_stamp_completion()`.execute(db);
  await sql`DROP INDEX IF EXISTS delivery_attempts_completed_xid_idx`.execute(db);
  await sql`ALTER TABLE delivery_attempts DROP COLUMN completed_xid`.execute(db);
}
