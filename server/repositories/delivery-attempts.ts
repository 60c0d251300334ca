import { sql } from 'kysely';
import type { Scope } from '../auth/permissions.js';
import type { Db } from '../db/database.js';
import type { AttemptTrigger } from '../db/tables/delivery-attempts.table.js';
import type { DeliveryStatus } from '../db/tables/deliveries.table.js';
import { newIds } from '../ids.js';

/**
 * Attempts are recorded in two statements per batch of deliveries, whatever the batch size: one before the
 * requests leave, one with their outcomes.
 */

const INTERRUPTED = 'interrupted: the worker stopped before this attempt recorded its result';

/** The pending deliveries of one event whose ids lie in [fromId, toId]: a fan-out batch, or a single delivery. */
export interface DeliveryRange {
  scope: Scope;
  eventId: string;
  fromId: string;
  toId: string;
}

export interface StartedAttempt {
  attemptId: string;
  deliveryId: string;
  attemptNumber: number;
  webhookId: string;
  url: string;
  secret: string;
}

export interface BegunAttempts {
  event: { id: string; type: string; createdAt: Date; payloadJson: string; test: boolean };
  attempts: StartedAttempt[];
  /** Pending deliveries whose webhook was deleted or disabled since publishing: settled as failed, nothing sent. */
  unavailable: string[];
}

/**
 * In one round trip: marks attempts that a dead worker left `in_flight` as `interrupted`; settles deliveries whose
 * webhook is gone; records a new `in_flight` attempt for every other pending delivery in the range and counts it;
 * and reads what signing and sending need (the event once, each webhook's URL and secret). Returns undefined when
 * the event is not visible (its publishing transaction has not committed).
 */
export async function beginAttempts(db: Db, range: DeliveryRange, trigger: AttemptTrigger, maxCount: number): Promise<BegunAttempts | undefined> {
  const attemptIds = newIds('attempt', maxCount);
  // A test send may go to a disabled webhook (to check it before enabling it); nothing else may.
  const allowDisabled = trigger === 'test';
  const { workspaceId, mode } = range.scope;
  const { rows } = await sql<{
    id: string;
    type: string;
    created_at: Date;
    payload_json: string;
    is_test: boolean;
    attempts: Array<{ attempt_id: string; delivery_id: string; attempt_number: number; webhook_id: string; url: string; secret: string }> | null;
    unavailable: string[] | null;
  }>`
    WITH in_range AS (
      SELECT d.id, d.webhook_id FROM deliveries d
       WHERE d.workspace_id = ${workspaceId} AND d.mode = ${mode} AND d.event_id = ${range.eventId}
         AND d.id BETWEEN ${range.fromId} AND ${range.toId} AND d.status = 'pending'
    ),
    interrupted AS (
      UPDATE delivery_attempts a SET outcome = 'interrupted', completed_at = now(), error = ${INTERRUPTED}
        FROM in_range r WHERE a.delivery_id = r.id AND a.outcome = 'in_flight'
    ),
    unavailable AS (
      UPDATE deliveries d SET status = 'failed', last_error = 'not sent: the webhook was deleted or disabled', updated_at = now()
        FROM in_range r JOIN webhooks w ON w.id = r.webhook_id
       WHERE d.id = r.id AND ((NOT w.active AND NOT ${allowDisabled}) OR w.deleted_at IS NOT NULL)
      RETURNING d.id
    ),
    target AS (
      UPDATE deliveries d SET attempt_count = d.attempt_count + 1, updated_at = now()
        FROM in_range r JOIN webhooks w ON w.id = r.webhook_id
       WHERE d.id = r.id AND (w.active OR ${allowDisabled}) AND w.deleted_at IS NULL
      RETURNING d.id, d.attempt_count, w.id AS webhook_id, w.url, w.secret
    ),
    attempt AS (
      INSERT INTO delivery_attempts (id, delivery_id, attempt_number, trigger)
      SELECT (${attemptIds}::text[])[row_number() OVER (ORDER BY t.id)], t.id, t.attempt_count, ${trigger} FROM target t
      RETURNING id, delivery_id, attempt_number
    )
    SELECT e.id, e.type, e.created_at, e.payload::text AS payload_json, e.is_test,
           (SELECT json_agg(json_build_object('attempt_id', a.id, 'delivery_id', t.id, 'attempt_number', a.attempt_number,
                                              'webhook_id', t.webhook_id, 'url', t.url, 'secret', t.secret) ORDER BY t.id)
              FROM target t JOIN attempt a ON a.delivery_id = t.id) AS attempts,
           (SELECT array_agg(id) FROM unavailable) AS unavailable
      FROM events e WHERE e.workspace_id = ${workspaceId} AND e.mode = ${mode} AND e.id = ${range.eventId}
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    event: { id: row.id, type: row.type, createdAt: row.created_at, payloadJson: row.payload_json, test: row.is_test },
    attempts: (row.attempts ?? []).map((a) => ({
      attemptId: a.attempt_id,
      deliveryId: a.delivery_id,
      attemptNumber: a.attempt_number,
      webhookId: a.webhook_id,
      url: a.url,
      secret: a.secret,
    })),
    unavailable: row.unavailable ?? [],
  };
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

/** Completes the attempts and their deliveries in one round trip, before the activity returns or throws. */
export async function completeAttempts(db: Db, outcomes: AttemptOutcomeRecord[]): Promise<void> {
  if (outcomes.length === 0) return;
  const column = <T>(pick: (o: AttemptOutcomeRecord) => T) => outcomes.map(pick);
  await sql`
    WITH outcome AS (
      SELECT * FROM unnest(${column((o) => o.attemptId)}::text[], ${column((o) => o.deliveryId)}::text[],
                           ${column((o) => o.ok)}::boolean[], ${column((o) => o.final)}::boolean[],
                           ${column((o) => o.statusCode)}::integer[], ${column((o) => o.error)}::text[],
                           ${column((o) => o.durationMs)}::integer[], ${column((o) => o.responseExcerpt)}::text[])
             AS o(attempt_id, delivery_id, ok, final, status_code, error, duration_ms, response_excerpt)
    ),
    attempt AS (
      UPDATE delivery_attempts a
         SET outcome = CASE WHEN o.ok THEN 'succeeded' ELSE 'failed' END, completed_at = now(), duration_ms = o.duration_ms,
             status_code = o.status_code, error = o.error, response_excerpt = o.response_excerpt
        FROM outcome o WHERE a.id = o.attempt_id
    )
    UPDATE deliveries d
       SET status = CASE WHEN o.ok THEN 'succeeded' WHEN o.final THEN 'failed' ELSE 'pending' END,
           last_status_code = o.status_code, last_error = o.error,
           delivered_at = CASE WHEN o.ok THEN now() END, updated_at = now()
      FROM outcome o WHERE d.id = o.delivery_id AND d.status = 'pending'
  `.execute(db);
}

/** Settles a delivery as failed without a new attempt: its last attempt never finished. */
export async function failDelivery(db: Db, deliveryId: string, error: string): Promise<void> {
  await db
    .with('interrupted', (qb) =>
      qb
        .updateTable('delivery_attempts')
        .set({ outcome: 'interrupted', completed_at: sql<Date>`now()`, error: INTERRUPTED })
        .where('delivery_id', '=', deliveryId)
        .where('outcome', '=', 'in_flight'),
    )
    .updateTable('deliveries')
    .set({ status: 'failed', last_error: error, updated_at: sql<Date>`now()` })
    .where('id', '=', deliveryId)
    .where('status', '=', 'pending')
    .execute();
}

export async function deliveryState(
  db: Db,
  deliveryId: string,
): Promise<{ status: DeliveryStatus; attemptCount: number; lastStatusCode: number | null; lastError: string | null } | undefined> {
  const row = await db
    .selectFrom('deliveries')
    .select(['status', 'attempt_count', 'last_status_code', 'last_error'])
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  return row && { status: row.status, attemptCount: row.attempt_count, lastStatusCode: row.last_status_code, lastError: row.last_error };
}
