import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { AttemptTrigger } from '../db/tables/delivery-attempts.table.js';
import type { DeliveryStatus } from '../db/tables/deliveries.table.js';

/** What an attempt needs to sign and send, read in the same statement that records the attempt. */
export interface BegunAttempt {
  kind: 'begun';
  attemptId: string;
  attemptNumber: number;
  webhook: { id: string; url: string; secret: string };
  event: { id: string; type: string; createdAt: Date; payloadJson: string };
}

export type BeginAttemptResult =
  | BegunAttempt
  /** The delivery is no longer pending (a duplicate task after it finished). */
  | { kind: 'settled'; status: DeliveryStatus; attemptCount: number; lastStatusCode: number | null }
  /** The webhook was deleted or disabled after the event was published. */
  | { kind: 'webhook-unavailable'; reason: string }
  | { kind: 'missing' };

/**
 * Records an attempt as `in_flight` before its request goes out, in one round trip that also marks attempts a
 * crashed worker left `in_flight` as `interrupted`, counts the attempt on the delivery, and reads the webhook and
 * event to send. Nothing is recorded when the delivery is settled or its webhook is gone.
 */
export async function beginAttempt(
  db: Db,
  args: { deliveryId: string; attemptId: string; trigger: AttemptTrigger },
): Promise<BeginAttemptResult> {
  const { rows } = await sql<{
    attempt_number: number;
    webhook_id: string;
    url: string;
    secret: string;
    event_id: string;
    event_type: string;
    event_created_at: Date;
    payload_json: string;
  }>`
    WITH interrupted AS (
      UPDATE delivery_attempts
         SET outcome = 'interrupted', completed_at = now(),
             error = 'interrupted: the worker stopped before this attempt recorded its result'
       WHERE delivery_id = ${args.deliveryId} AND outcome = 'in_flight'
    ),
    target AS (
      UPDATE deliveries d
         SET attempt_count = d.attempt_count + 1, updated_at = now()
        FROM webhooks w
       WHERE d.id = ${args.deliveryId} AND d.status = 'pending'
         AND w.id = d.webhook_id AND w.active AND w.deleted_at IS NULL
      RETURNING d.id, d.attempt_count, d.event_id, w.id AS webhook_id, w.url, w.secret
    ),
    attempt AS (
      INSERT INTO delivery_attempts (id, delivery_id, attempt_number, trigger)
      SELECT ${args.attemptId}, id, attempt_count, ${args.trigger} FROM target
      RETURNING attempt_number
    )
    SELECT attempt.attempt_number, target.webhook_id, target.url, target.secret,
           e.id AS event_id, e.type AS event_type, e.created_at AS event_created_at, e.payload::text AS payload_json
      FROM target CROSS JOIN attempt JOIN events e ON e.id = target.event_id
  `.execute(db);

  const row = rows[0];
  if (row) {
    return {
      kind: 'begun',
      attemptId: args.attemptId,
      attemptNumber: row.attempt_number,
      webhook: { id: row.webhook_id, url: row.url, secret: row.secret },
      event: { id: row.event_id, type: row.event_type, createdAt: row.event_created_at, payloadJson: row.payload_json },
    };
  }
  return explainNoAttempt(db, args.deliveryId);
}

/** The rare path: find out why `beginAttempt` recorded nothing. */
async function explainNoAttempt(db: Db, deliveryId: string): Promise<BeginAttemptResult> {
  const found = await db
    .selectFrom('deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(['d.status', 'd.attempt_count', 'd.last_status_code', 'w.active', 'w.deleted_at'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  if (!found) return { kind: 'missing' };
  if (found.status !== 'pending') {
    return { kind: 'settled', status: found.status, attemptCount: found.attempt_count, lastStatusCode: found.last_status_code };
  }
  return { kind: 'webhook-unavailable', reason: found.deleted_at ? 'the webhook was deleted' : 'the webhook is disabled' };
}

export interface AttemptOutcomeRecord {
  attemptId: string;
  deliveryId: string;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
  /** True when this failed attempt was the last one: the delivery is then `failed`. */
  final: boolean;
}

/** Completes the attempt row and the delivery in one round trip, before the activity returns or throws. */
export async function completeAttempt(db: Db, outcome: AttemptOutcomeRecord): Promise<void> {
  const status: DeliveryStatus = outcome.ok ? 'succeeded' : outcome.final ? 'failed' : 'pending';
  await db
    .with('attempt', (qb) =>
      qb
        .updateTable('delivery_attempts')
        .set({
          outcome: outcome.ok ? 'succeeded' : 'failed',
          completed_at: sql<Date>`now()`,
          duration_ms: outcome.durationMs,
          status_code: outcome.statusCode,
          error: outcome.error,
          response_excerpt: outcome.responseExcerpt,
        })
        .where('id', '=', outcome.attemptId)
        .returning('delivery_id'),
    )
    .updateTable('deliveries')
    .set({
      status,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      delivered_at: outcome.ok ? sql<Date>`now()` : null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', outcome.deliveryId)
    .where('status', '=', 'pending')
    .execute();
}

/** Settles a delivery as failed without a new attempt: its webhook went away, or its last attempt never finished. */
export async function failDelivery(db: Db, deliveryId: string, error: string): Promise<void> {
  await db
    .with('interrupted', (qb) =>
      qb
        .updateTable('delivery_attempts')
        .set({ outcome: 'interrupted', completed_at: sql<Date>`now()`, error: 'interrupted: the worker stopped before this attempt recorded its result' })
        .where('delivery_id', '=', deliveryId)
        .where('outcome', '=', 'in_flight'),
    )
    .updateTable('deliveries')
    .set({ status: 'failed', last_error: error, updated_at: sql<Date>`now()` })
    .where('id', '=', deliveryId)
    .where('status', '=', 'pending')
    .execute();
}
