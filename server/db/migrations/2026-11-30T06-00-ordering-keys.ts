import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Ordering keys. An event may carry an `ordering_key`; for each webhook, its deliveries with the same key go out
 * one at a time, in publish order. `delivery_order_heads` holds one row per (webhook, key) in use: `last_seq`
 * numbers the key's deliveries as they are published (the row lock orders concurrent publishers), and `turn` is the
 * delivery whose turn it is (null when none is waiting). A delivery whose turn has not come is `queued`.
 *
 * Turns are passed in Postgres, by a trigger, in the very transaction that settles a delivery, whatever settles it
 * (an attempt, a worker's clean-up, the endpoint sweep, an operator): the next queued delivery of the key becomes
 * `pending`. `herald_pass_turn` locks the head row first, so a publish adding to the key (which holds that lock
 * until it commits) is either seen, or sees the turn already passed. A failed or discarded delivery keeps the turn
 * when its webhook says `block`: the key waits until an operator retries it (the turn passes when it settles) or
 * skips it (`herald_pass_turn` called directly).
 *
 * The partial index serves the trigger's look for the next queued delivery (and the gauge of queued deliveries); no
 * other delivery is in it, so unordered traffic pays nothing for it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE events ADD COLUMN ordering_key text`.execute(db);
  await sql`ALTER TABLE webhooks ADD COLUMN ordering_on_failure text NOT NULL DEFAULT 'continue'
    CHECK (ordering_on_failure IN ('continue', 'block'))`.execute(db);
  await sql`ALTER TABLE deliveries ADD COLUMN ordering_key text, ADD COLUMN ordering_seq bigint`.execute(db);
  await sql`ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check`.execute(db);
  await sql`ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'succeeded', 'failed', 'parked', 'discarded', 'scheduled', 'cancelled', 'queued'))`.execute(
    db,
  );
  await sql`CREATE INDEX deliveries_queued_idx ON deliveries (webhook_id, ordering_key, ordering_seq)
    WHERE status = 'queued'`.execute(db);
  await db.schema
    .createTable('delivery_order_heads')
    .addColumn('webhook_id', 'text', (col) => col.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('ordering_key', 'text', (col) => col.notNull())
    .addColumn('last_seq', 'bigint', (col) => col.notNull())
    .addColumn('turn', 'text')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('delivery_order_heads_pkey', ['webhook_id', 'ordering_key'])
    .execute();
  // Volatile (the default): each statement takes a fresh snapshot, so the look for the next queued delivery, made
  // after the head row is locked, sees every publish that held that lock before.
  await sql`
    CREATE FUNCTION herald_pass_turn(p_webhook_id text, p_key text, p_delivery_id text) RETURNS text
    LANGUAGE plpgsql AS $$
    DECLARE
      next_id text;
    BEGIN
      PERFORM 1 FROM delivery_order_heads
        WHERE webhook_id = p_webhook_id AND ordering_key = p_key AND turn = p_delivery_id FOR UPDATE;
      IF NOT FOUND THEN
        RETURN NULL;
      END IF;
      SELECT id INTO next_id FROM deliveries
       WHERE webhook_id = p_webhook_id AND ordering_key = p_key AND status = 'queued'
       ORDER BY ordering_seq LIMIT 1;
      UPDATE delivery_order_heads SET turn = next_id, updated_at = now()
       WHERE webhook_id = p_webhook_id AND ordering_key = p_key;
      IF next_id IS NOT NULL THEN
        UPDATE deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now() WHERE id = next_id;
      END IF;
      RETURN next_id;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION herald_delivery_settled() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status IN ('failed', 'discarded') AND EXISTS (
           SELECT 1 FROM webhooks w
            WHERE w.id = NEW.webhook_id AND w.ordering_on_failure = 'block' AND w.deleted_at IS NULL) THEN
        RETURN NULL;
      END IF;
      PERFORM herald_pass_turn(NEW.webhook_id, NEW.ordering_key, NEW.id);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER deliveries_pass_turn AFTER UPDATE OF status ON deliveries FOR EACH ROW
      WHEN (NEW.ordering_seq IS NOT NULL AND OLD.status IS DISTINCT FROM NEW.status
            AND NEW.status IN ('succeeded', 'failed', 'discarded', 'cancelled'))
      EXECUTE FUNCTION herald_delivery_settled()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER deliveries_pass_turn ON deliveries`.execute(db);
  await sql`DROP FUNCTION herald_delivery_settled()`.execute(db);
  await sql`DROP FUNCTION herald_pass_turn(text, text, text)`.execute(db);
  await db.schema.dropTable('delivery_order_heads').execute();
  await sql`DROP INDEX deliveries_queued_idx`.execute(db);
  await sql`UPDATE deliveries SET status = 'pending', next_attempt_at = now() WHERE status = 'queued'`.execute(db);
  await sql`ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check`.execute(db);
  await sql`ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'succeeded', 'failed', 'parked', 'discarded', 'scheduled', 'cancelled'))`.execute(db);
  await sql`ALTER TABLE deliveries DROP COLUMN ordering_key, DROP COLUMN ordering_seq`.execute(db);
  await sql`ALTER TABLE webhooks DROP COLUMN ordering_on_failure`.execute(db);
  await sql`ALTER TABLE events DROP COLUMN ordering_key`.execute(db);
}
