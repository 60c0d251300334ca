import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Signature profiles, sealed secrets with rotation, custom headers, endpoint health, pause and parking.
 * - `signature_profile` (workspace default, webhook override): which signatures a delivery carries and how its
 *   timestamp field is named; null means the default above it.
 * - `secret`, `previous_secret` and `custom_headers` hold values sealed with the encryption key (AES-256-GCM);
 *   existing plaintext secrets are sealed at the next start.
 * - Health: the last success and failure, consecutive failures, since when every delivery has failed, and why
 *   Herald disabled the webhook (`gone`: it answered 410; `failing`: it failed for the whole window).
 * - Deliveries for a paused or Herald-disabled webhook are `parked`, to be sent when it is resumed or enabled;
 *   past the bounds they become `discarded`, with the reason.
 * - Each attempt records the wait applied before the next one and why (the schedule, or the endpoint's Retry-After).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE workspaces ADD COLUMN signature_profile jsonb`.execute(db);
  await sql`ALTER TABLE webhooks
    ADD COLUMN signature_profile jsonb,
    ADD COLUMN custom_headers text,
    ADD COLUMN previous_secret text,
    ADD COLUMN previous_secret_expires_at timestamptz,
    ADD COLUMN body_signature_switched boolean NOT NULL DEFAULT false,
    ADD COLUMN paused boolean NOT NULL DEFAULT false,
    ADD COLUMN disabled_reason text CHECK (disabled_reason IN ('gone', 'failing')),
    ADD COLUMN disabled_at timestamptz,
    ADD COLUMN disabled_notified_at timestamptz,
    ADD COLUMN last_success_at timestamptz,
    ADD COLUMN last_failure_at timestamptz,
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN failing_since timestamptz,
    ADD COLUMN failing_warned_at timestamptz`.execute(db);
  // Webhooks failing for a while, for the sweep that warns about and disables them.
  await sql`CREATE INDEX webhooks_failing_idx ON webhooks (failing_since) WHERE failing_since IS NOT NULL AND deleted_at IS NULL`.execute(
    db,
  );
  await sql`ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check`.execute(db);
  await sql`ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'succeeded', 'failed', 'parked', 'discarded'))`.execute(db);
  // A webhook's parked deliveries, oldest first: drained in publish order, trimmed from the oldest.
  await sql`CREATE INDEX deliveries_parked_idx ON deliveries (webhook_id, id) WHERE status = 'parked'`.execute(db);
  await sql`ALTER TABLE delivery_attempts ADD COLUMN wait_ms integer, ADD COLUMN wait_reason text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE delivery_attempts DROP COLUMN wait_ms, DROP COLUMN wait_reason`.execute(db);
  await sql`DROP INDEX IF EXISTS deliveries_parked_idx`.execute(db);
  await sql`UPDATE deliveries SET status = 'failed' WHERE status IN ('parked', 'discarded')`.execute(db);
  await sql`ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check`.execute(db);
  await sql`ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'succeeded', 'failed'))`.execute(
    db,
  );
  await sql`DROP INDEX IF EXISTS webhooks_failing_idx`.execute(db);
  await sql`ALTER TABLE webhooks
    DROP COLUMN signature_profile, DROP COLUMN custom_headers, DROP COLUMN previous_secret,
    DROP COLUMN previous_secret_expires_at, DROP COLUMN body_signature_switched, DROP COLUMN paused,
    DROP COLUMN disabled_reason, DROP COLUMN disabled_at, DROP COLUMN disabled_notified_at, DROP COLUMN last_success_at, DROP COLUMN last_failure_at,
    DROP COLUMN consecutive_failures, DROP COLUMN failing_since, DROP COLUMN failing_warned_at`.execute(db);
  await sql`ALTER TABLE workspaces DROP COLUMN signature_profile`.execute(db);
}
