import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Adaptive rates. A webhook without a configured limit whose endpoint shows it is overloaded (429, 503, timeouts,
 * connection errors) gets a rate Herald chose, `adaptive_per_second`, enforced with the same token bucket as a
 * configured limit; null means no adaptation is in effect and the endpoint is unlimited. `adaptive_since` is when
 * the rate engaged, `adaptive_decreased_at` when it was last lowered: a burst of concurrent failures lowers it once
 * per window, not once per failure.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE webhooks
      ADD COLUMN adaptive_per_second double precision CHECK (adaptive_per_second > 0),
      ADD COLUMN adaptive_since timestamptz,
      ADD COLUMN adaptive_decreased_at timestamptz
  `.execute(db);
  // /metrics lists the adaptive rates at each scrape: only the webhooks being slowed down are in this index.
  await sql`CREATE INDEX webhooks_adaptive_idx ON webhooks (id) WHERE adaptive_per_second IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX webhooks_adaptive_idx`.execute(db);
  await sql`
    ALTER TABLE webhooks
      DROP COLUMN adaptive_decreased_at, DROP COLUMN adaptive_since, DROP COLUMN adaptive_per_second
  `.execute(db);
}
