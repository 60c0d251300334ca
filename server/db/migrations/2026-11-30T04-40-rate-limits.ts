import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Per-webhook rate limits. A webhook may carry a limit (deliveries per second, and a burst); its token bucket is
 * one row of `webhook_rate_buckets`, shared by every worker, which the statement that starts attempts takes from
 * atomically. `next_wake_at` is the last wake-up time handed to a delivery that found the bucket empty: the next
 * one to wait is woken 1/rate later, so waiters come back one by one, in the order they arrived. A delivery waiting
 * for a token keeps since when in `rate_waiting_since` (found through a partial index, for the backlog).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE webhooks
      ADD COLUMN rate_limit_per_second double precision CHECK (rate_limit_per_second BETWEEN 0.01 AND 10000),
      ADD COLUMN rate_limit_burst integer CHECK (rate_limit_burst >= 1),
      ADD CONSTRAINT webhooks_rate_limit_whole CHECK ((rate_limit_per_second IS NULL) = (rate_limit_burst IS NULL))
  `.execute(db);
  await db.schema
    .createTable('webhook_rate_buckets')
    .addColumn('webhook_id', 'text', (col) => col.primaryKey().references('webhooks.id').onDelete('cascade'))
    .addColumn('tokens', 'float8', (col) => col.notNull())
    .addColumn('refilled_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('next_wake_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`ALTER TABLE deliveries ADD COLUMN rate_waiting_since timestamptz`.execute(db);
  await sql`
    CREATE INDEX deliveries_rate_waiting_idx ON deliveries (webhook_id, rate_waiting_since)
     WHERE rate_waiting_since IS NOT NULL AND status = 'pending'
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX deliveries_rate_waiting_idx`.execute(db);
  await sql`ALTER TABLE deliveries DROP COLUMN rate_waiting_since`.execute(db);
  await db.schema.dropTable('webhook_rate_buckets').execute();
  await sql`
    ALTER TABLE webhooks DROP CONSTRAINT webhooks_rate_limit_whole,
      DROP COLUMN rate_limit_burst, DROP COLUMN rate_limit_per_second
  `.execute(db);
}
