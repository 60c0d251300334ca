import { sql } from 'kysely';
import type { Scope } from '../scope.js';
import type { SignatureProfile } from '../signature-profile.js';
import type { Db } from '../database.js';
import type { AttemptTrigger } from '../tables/delivery-attempts.table.js';
import type { DeliveryStatus } from '../tables/deliveries.table.js';
import { newIds } from '../ids.js';

/**
 * Attempts are recorded in two statements per batch of deliveries, whatever the batch size: one before the
 * requests leave, one with their outcomes. Both are safe to run again, and to run concurrently with another run
 * over the same deliveries: a lease on the delivery row decides which run may send.
 */

const INTERRUPTED = 'interrupted: the worker stopped before this attempt recorded its result';
/** Why a delivery whose event lost its payload to retention was settled without an attempt. */
const PAYLOAD_EXPIRED = "not sent: the event's payload is past its retention window";

/** How far ahead an adaptive rate's queue reaches; beyond it deliveries go (see `beginAttempts`). */
export const ADAPTIVE_QUEUE_SECONDS = 10;

/** An attempt may start this much before its due time: timers and the database clock never agree to the millisecond. */
const DUE_TOLERANCE_MS = 100;

/** The pending deliveries of one event whose ids lie in [fromId, toId]: a fan-out batch, or a single delivery. */
export interface DeliveryRange {
  scope: Scope;
  eventId: string;
  fromId: string;
  toId: string;
  /** The workflow that owns the deliveries (null: test sends, and deliveries made before owners existed). */
  owner: string | null;
  /** Only these deliveries of the range: those another run was attempting when this one looked. */
  onlyIds?: string[] | undefined;
}

export interface StartedAttempt {
  attemptId: string;
  deliveryId: string;
  attemptNumber: number;
  webhookId: string;
  url: string;
  /** The webhook's signing secret, as stored (sealed). */
  secret: string;
  /** The secret being rotated out, as stored, while its grace period lasts. */
  previousSecret: string | null;
  /** Whether body-only signature headers already use the new secret. */
  bodySignatureSwitched: boolean;
  /** The webhook's own profile, else its workspace's; null: Herald's default. */
  signatureProfile: SignatureProfile | null;
  /** Extra request headers, as stored (a sealed JSON object). */
  customHeaders: string | null;
  /** How long this attempt holds the delivery, from now: its request must be over before then. */
  leaseMs: number;
  /** The webhook has a configured rate limit (never adapted). */
  limited: boolean;
  /** The webhook had an adaptive rate in effect: its outcome adjusts it (run-attempts.ts). */
  adaptive: boolean;
}

/** A delivery of the range that this run did not attempt, as it stood. */
export interface UntouchedDelivery {
  deliveryId: string;
  status: DeliveryStatus;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** While pending: how long until the next attempt is due (0 or less: due now). */
  dueInMs: number | null;
  /** Another attempt holds the delivery (in flight elsewhere, or it won a race with this run). */
  busy: boolean;
  /** It waits for a token of its webhook's rate limit (due again in `dueInMs`). */
  rateWaiting: boolean;
}

/** A due delivery whose webhook's rate limit had no token: nothing sent, no attempt counted, due again later. */
export interface ThrottledDelivery {
  deliveryId: string;
  attemptCount: number;
  /** When a token is expected for it (its place in the webhook's queue), from now. */
  waitMs: number;
}

export interface BegunAttempts {
  /** `ordered`: the event has an ordering key, so settling its deliveries passes turns on to later events. */
  event: { id: string; type: string; createdAt: Date; payloadJson: string; test: boolean; ordered: boolean };
  attempts: StartedAttempt[];
  /** Pending deliveries whose webhook was deleted or disabled since publishing: settled as failed, nothing sent. */
  unavailable: string[];
  /** Pending deliveries whose webhook is paused or disabled by Herald: parked until it is resumed or enabled. */
  parked: string[];
  /** Due deliveries that must wait for their webhook's rate limit. */
  throttled: ThrottledDelivery[];
  untouched: UntouchedDelivery[];
}

/**
 * In one round trip, for the deliveries of the range that `owner` owns: marks attempts that a dead worker left
 * `in_flight` as `interrupted`; settles deliveries whose webhook is gone; and for every pending delivery that is
 * due and not held by a live attempt, takes the lease, counts a new attempt and records it `in_flight`. It reads
 * what signing and sending need (the event once, each webhook's URL and secret) and how every other delivery of
 * the range stands.
 *
 * The lease condition is on the row being updated, so Postgres re-checks it against a concurrent run's committed
 * update: of two runs racing for one delivery, exactly one gets it; the other sees it as busy.
 *
 * A webhook with a rate limit takes a token from its bucket row in the same statement: the bucket rows of the
 * batch's limited webhooks are locked in id order (so two runs never deadlock), refilled by the time elapsed, and
 * a due delivery is attempted only if a token is there and no earlier waiter is queued ahead of it. One that finds
 * none is not attempted and counts no attempt: it gets a wake-up time, 1/rate after the last one handed out, so
 * waiters come back one by one in arrival order, and takes a token then. A webhook without a configured limit but
 * with an adaptive rate in effect (`adaptive_per_second`, see adaptive-rates.ts) takes from its bucket the same
 * way, at that rate, with a burst of the rate rounded up. A webhook with neither is known as such from the webhook
 * row the statement reads anyway: it touches no bucket.
 *
 * Returns undefined when the range holds no delivery of `owner`: its publication has not committed, rolled back,
 * or the deliveries were handed to another workflow.
 */
export async function beginAttempts(
  db: Db,
  range: DeliveryRange,
  trigger: AttemptTrigger,
  maxCount: number,
  leaseMs: number,
): Promise<BegunAttempts | undefined> {
  const attemptIds = newIds('attempt', maxCount);
  // A test send may go to a disabled webhook (to check it before enabling it); nothing else may.
  const allowDisabled = trigger === 'test';
  const { workspaceId, mode } = range.scope;
  const onlyIds = range.onlyIds ? sql`AND d.id = ANY(${range.onlyIds}::text[])` : sql``;
  // Past the payload retention window there is nothing left to send: such a delivery (reopened in a race with the
  // cleanup, which refuses retries of it otherwise) is settled as failed, as one whose webhook is gone.
  const payloadGone = sql`coalesce((SELECT e.payload IS NULL FROM events e
    WHERE e.workspace_id = ${workspaceId} AND e.mode = ${mode} AND e.id = ${range.eventId}), false)`;
  // An adaptive rate (Herald's own guess, unlike a configured limit) queues at most ADAPTIVE_QUEUE_SECONDS of
  // deliveries: past that, a delivery is sent rather than queued, and if the endpoint refuses it, it is retried on the
  // schedule like any failure. A queue slotted at a low rate (one set while the endpoint was down) would otherwise
  // hold its deliveries for hours after the endpoint came back, since a waiter's slot is fixed when it queues.
  const overflows = sql`l.adaptive AND l.nth = 1 AND NOT (l.rate_waiting AND k.at < l.due)
    AND k.next_wake_at > k.at + ${ADAPTIVE_QUEUE_SECONDS} * interval '1 s'
    AND NOT (k.available >= 1 AND (l.rate_waiting OR k.next_wake_at <= k.at))`;
  const { rows } = await sql<{
    id: string;
    type: string;
    created_at: Date;
    payload_json: string;
    is_test: boolean;
    ordered: boolean;
    owned: number;
    attempts: Array<{
      attempt_id: string;
      delivery_id: string;
      attempt_number: number;
      webhook_id: string;
      url: string;
      secret: string;
      previous_secret: string | null;
      body_signature_switched: boolean;
      signature_profile: SignatureProfile | null;
      custom_headers: string | null;
      lease_ms: number;
      limited: boolean;
      adaptive: boolean;
    }> | null;
    unavailable: string[] | null;
    parked: string[] | null;
    throttled: Array<{ delivery_id: string; attempt_count: number; wait_ms: number }> | null;
    untouched: Array<{
      delivery_id: string;
      status: DeliveryStatus;
      attempt_count: number;
      last_status_code: number | null;
      last_error: string | null;
      due_in_ms: number | null;
      busy: boolean;
      rate_waiting: boolean;
    }> | null;
  }>`
    WITH in_range AS MATERIALIZED (
      SELECT d.id, d.webhook_id, d.status, d.attempt_count, d.last_status_code, d.last_error,
             d.next_attempt_at, d.lease_expires_at, d.rate_waiting_since IS NOT NULL AS rate_waiting,
             d.status = 'pending' AND d.lease_expires_at > clock_timestamp() AS leased,
             d.status = 'pending'
               AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= clock_timestamp() + ${DUE_TOLERANCE_MS} * interval '1 ms')
               AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= clock_timestamp()) AS ready
        FROM deliveries d
       WHERE d.workspace_id = ${workspaceId} AND d.mode = ${mode} AND d.event_id = ${range.eventId}
         AND d.id BETWEEN ${range.fromId} AND ${range.toId} AND d.workflow_id IS NOT DISTINCT FROM ${range.owner} ${onlyIds}
    ),
    ready AS (
      SELECT r.id, r.webhook_id, (${attemptIds}::text[])[row_number() OVER (ORDER BY r.id)] AS attempt_id
        FROM in_range r WHERE r.ready
    ),
    limited AS MATERIALIZED (
      SELECT r.id, r.webhook_id, r.rate_waiting, r.next_attempt_at AS due,
             coalesce(w.rate_limit_per_second, w.adaptive_per_second) AS rate,
             coalesce(w.rate_limit_burst, greatest(1, ceil(w.adaptive_per_second))) AS burst,
             w.rate_limit_per_second IS NULL AS adaptive,
             row_number() OVER (PARTITION BY r.webhook_id ORDER BY r.id) AS nth
        FROM in_range r JOIN webhooks w ON w.id = r.webhook_id
       WHERE r.ready AND coalesce(w.rate_limit_per_second, w.adaptive_per_second) IS NOT NULL AND NOT ${allowDisabled}
         AND w.active AND NOT w.paused AND w.disabled_reason IS NULL AND w.deleted_at IS NULL
    ),
    bucket AS MATERIALIZED (
      SELECT b.webhook_id, b.tokens, b.refilled_at, b.next_wake_at, clock_timestamp() AS at
        FROM webhook_rate_buckets b
       WHERE b.webhook_id IN (SELECT webhook_id FROM limited)
       ORDER BY b.webhook_id
         FOR UPDATE
    ),
    decision AS MATERIALIZED (
      SELECT l.id, l.webhook_id, l.nth, l.rate_waiting, k.at, k.available,
             coalesce(l.nth = 1 AND k.available >= 1 AND (l.rate_waiting OR k.next_wake_at <= k.at), false)
               OR coalesce(${overflows}, false) AS granted,
             coalesce(${overflows}, false) AS overflow,
             -- A waiter back a little before its slot (timers and clocks never agree to the millisecond) keeps it.
             l.rate_waiting AND l.nth = 1 AND k.at < l.due AS early,
             -- Anyone else without a token takes the slot after the last one handed out, a slot nobody else holds:
             -- a newcomer queues behind the waiters, and so does a waiter whose token another took while it was
             -- late. Sending it to "the next token" instead would have it race, at every token, the waiter that
             -- token was promised to, and lose again and again if it is always the slower one.
             -- (No bucket row cannot happen, since the row is written with the limit or the adaptive rate; it would
             -- wait a second.)
             coalesce(
               CASE WHEN l.nth > 1
                    THEN k.at + (greatest(1 - k.available, 0) + l.nth - 1) / l.rate * interval '1 s'
                    WHEN l.rate_waiting AND k.at < l.due THEN l.due
                    ELSE greatest(k.at + greatest(1 - k.available, 0) / l.rate * interval '1 s',
                                  k.next_wake_at + interval '1 s' / l.rate)
               END,
               clock_timestamp() + interval '1 s') AS wake
        FROM limited l
        LEFT JOIN LATERAL (
          SELECT b.at, b.next_wake_at,
                 least(l.burst, b.tokens + extract(epoch FROM b.at - b.refilled_at) * l.rate) AS available
            FROM bucket b WHERE b.webhook_id = l.webhook_id
        ) k ON true
    ),
    took AS (
      UPDATE webhook_rate_buckets b
         SET tokens = CASE WHEN d.granted AND NOT d.overflow THEN d.available - 1 ELSE b.tokens END,
             refilled_at = CASE WHEN d.granted AND NOT d.overflow THEN d.at ELSE b.refilled_at END,
             next_wake_at = CASE WHEN d.granted OR d.early THEN b.next_wake_at ELSE d.wake END
        FROM decision d
       WHERE b.webhook_id = d.webhook_id AND d.nth = 1
    ),
    throttled AS (
      UPDATE deliveries d
         SET next_attempt_at = dd.wake, rate_waiting_since = coalesce(d.rate_waiting_since, clock_timestamp()),
             updated_at = now()
        FROM decision dd
       WHERE d.id = dd.id AND NOT dd.granted AND d.status = 'pending'
         AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= clock_timestamp())
      RETURNING d.id, d.attempt_count, greatest(1, ceil(extract(epoch FROM dd.wake - clock_timestamp()) * 1000)) AS wait_ms
    ),
    interrupted AS (
      UPDATE delivery_attempts a SET outcome = 'interrupted', completed_at = now(), error = ${INTERRUPTED}
        FROM ready r WHERE a.delivery_id = r.id AND a.outcome = 'in_flight'
    ),
    unavailable AS (
      UPDATE deliveries d
         SET status = 'failed', next_attempt_at = NULL, lease_attempt_id = NULL, lease_expires_at = NULL, updated_at = now(),
             last_error = CASE WHEN ${payloadGone} THEN ${PAYLOAD_EXPIRED}
                               ELSE 'not sent: the webhook was deleted or disabled' END
        FROM ready r JOIN webhooks w ON w.id = r.webhook_id
       WHERE d.id = r.id AND d.status = 'pending' AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= clock_timestamp())
         AND ((NOT w.active AND NOT ${allowDisabled}) OR w.deleted_at IS NOT NULL OR ${payloadGone})
      RETURNING d.id
    ),
    parked AS (
      UPDATE deliveries d
         SET status = 'parked', workflow_id = NULL, next_attempt_at = NULL, lease_attempt_id = NULL,
             lease_expires_at = NULL, rate_waiting_since = NULL, updated_at = now()
        FROM ready r JOIN webhooks w ON w.id = r.webhook_id
       WHERE d.id = r.id AND d.status = 'pending' AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= clock_timestamp())
         AND w.active AND w.deleted_at IS NULL AND (w.paused OR w.disabled_reason IS NOT NULL) AND NOT ${allowDisabled}
         AND NOT ${payloadGone}
      RETURNING d.id
    ),
    target AS (
      UPDATE deliveries d
         SET attempt_count = d.attempt_count + 1, lease_attempt_id = r.attempt_id,
             lease_expires_at = clock_timestamp() + ${leaseMs} * interval '1 ms', rate_waiting_since = NULL,
             updated_at = now()
        FROM ready r JOIN webhooks w ON w.id = r.webhook_id
       WHERE d.id = r.id AND d.status = 'pending' AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= clock_timestamp())
         AND w.deleted_at IS NULL
         AND ((w.active AND NOT w.paused AND w.disabled_reason IS NULL) OR ${allowDisabled})
         AND NOT ${payloadGone}
         AND (coalesce(w.rate_limit_per_second, w.adaptive_per_second) IS NULL OR ${allowDisabled}
              OR r.id IN (SELECT id FROM decision WHERE granted))
      RETURNING d.id, d.attempt_count, r.attempt_id, w.id AS webhook_id, w.url, w.secret, d.lease_expires_at,
                CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret,
                w.body_signature_switched, w.custom_headers, w.rate_limit_per_second IS NOT NULL AS limited,
                w.adaptive_per_second IS NOT NULL AS adaptive,
                coalesce(w.signature_profile, (SELECT ws.signature_profile FROM workspaces ws WHERE ws.id = w.workspace_id))
                  AS signature_profile
    ),
    attempt AS (
      INSERT INTO delivery_attempts (id, delivery_id, attempt_number, trigger)
      SELECT t.attempt_id, t.id, t.attempt_count, ${trigger} FROM target t
    )
    SELECT e.id, e.type, e.created_at, e.payload::text AS payload_json, e.is_test, e.ordering_key IS NOT NULL AS ordered,
           (SELECT count(*)::int FROM in_range) AS owned,
           (SELECT json_agg(json_build_object('attempt_id', t.attempt_id, 'delivery_id', t.id, 'attempt_number', t.attempt_count,
                                              'webhook_id', t.webhook_id, 'url', t.url, 'secret', t.secret,
                                              'previous_secret', t.previous_secret, 'body_signature_switched', t.body_signature_switched,
                                              'signature_profile', t.signature_profile, 'custom_headers', t.custom_headers,
                                              'lease_ms', floor(extract(epoch FROM t.lease_expires_at - clock_timestamp()) * 1000),
                                              'limited', t.limited, 'adaptive', t.adaptive)
                            ORDER BY t.id)
              FROM target t) AS attempts,
           (SELECT array_agg(id) FROM unavailable) AS unavailable,
           (SELECT array_agg(id) FROM parked) AS parked,
           (SELECT json_agg(json_build_object('delivery_id', th.id, 'attempt_count', th.attempt_count, 'wait_ms', th.wait_ms))
              FROM throttled th) AS throttled,
           (SELECT json_agg(json_build_object('delivery_id', r.id, 'status', r.status, 'attempt_count', r.attempt_count,
                                              'last_status_code', r.last_status_code, 'last_error', r.last_error,
                                              'due_in_ms', floor(extract(epoch FROM r.next_attempt_at - clock_timestamp()) * 1000),
                                              'busy', r.leased OR r.ready, 'rate_waiting', r.rate_waiting))
              FROM in_range r
             WHERE r.id NOT IN (SELECT id FROM target) AND r.id NOT IN (SELECT id FROM unavailable)
               AND r.id NOT IN (SELECT id FROM parked) AND r.id NOT IN (SELECT id FROM throttled)) AS untouched
      FROM events e WHERE e.workspace_id = ${workspaceId} AND e.mode = ${mode} AND e.id = ${range.eventId}
  `.execute(db);
  const row = rows[0];
  if (!row || row.owned === 0) return undefined;
  return {
    event: {
      id: row.id,
      type: row.type,
      createdAt: row.created_at,
      payloadJson: row.payload_json,
      test: row.is_test,
      ordered: row.ordered,
    },
    attempts: (row.attempts ?? []).map((a) => ({
      attemptId: a.attempt_id,
      deliveryId: a.delivery_id,
      attemptNumber: a.attempt_number,
      webhookId: a.webhook_id,
      url: a.url,
      secret: a.secret,
      previousSecret: a.previous_secret,
      bodySignatureSwitched: a.body_signature_switched,
      signatureProfile: a.signature_profile,
      customHeaders: a.custom_headers,
      leaseMs: Number(a.lease_ms),
      limited: a.limited,
      adaptive: a.adaptive,
    })),
    unavailable: row.unavailable ?? [],
    parked: row.parked ?? [],
    throttled: (row.throttled ?? []).map((t) => ({
      deliveryId: t.delivery_id,
      attemptCount: t.attempt_count,
      waitMs: Number(t.wait_ms),
    })),
    untouched: (row.untouched ?? []).map((u) => ({
      deliveryId: u.delivery_id,
      status: u.status,
      attemptCount: u.attempt_count,
      lastStatusCode: u.last_status_code,
      lastError: u.last_error,
      dueInMs: u.due_in_ms === null ? null : Number(u.due_in_ms),
      busy: u.busy,
      rateWaiting: u.rate_waiting,
    })),
  };
}

export interface AttemptOutcomeRecord {
  attemptId: string;
  deliveryId: string;
  webhookId: string;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
  /** The wait before the next attempt; undefined when the delivery is settled (success, or the last attempt failed). */
  retryDelayMs: number | undefined;
  /** Why the wait is what it is (the schedule, or the endpoint's Retry-After within bounds). */
  waitReason: string | null;
  /** The endpoint answered 410 Gone: the webhook is disabled at once. */
  gone: boolean;
  /** Whether the outcome counts for the webhook's health (test sends do not). */
  countsForHealth: boolean;
}

/** The success that refreshes a healthy webhook's `last_success_at` at most this often: the happy path stays cheap. */
const SUCCESS_REFRESH = '1 minute';

/**
 * Completes the attempts and their deliveries in one round trip, before the activity returns or throws, and keeps
 * each webhook's health: a failure counts (and starts the failing spell), a success ends the spell; a `410 Gone`
 * disables the webhook. A delivery changes only while this attempt still holds its lease: an attempt that outlived
 * its lease (a stalled process) records what happened to it, but never overwrites the state a later attempt owns.
 * A healthy webhook's row is written at most once a minute, so a busy endpoint does not serialise its deliveries
 * on it.
 */
export async function completeAttempts(db: Db, outcomes: AttemptOutcomeRecord[]): Promise<void> {
  if (outcomes.length === 0) return;
  const column = <T>(pick: (o: AttemptOutcomeRecord) => T) => outcomes.map(pick);
  await sql`
    WITH outcome AS (
      SELECT * FROM unnest(${column((o) => o.attemptId)}::text[], ${column((o) => o.deliveryId)}::text[],
                           ${column((o) => o.webhookId)}::text[], ${column((o) => o.ok)}::boolean[],
                           ${column((o) => o.retryDelayMs ?? null)}::integer[], ${column((o) => o.waitReason)}::text[],
                           ${column((o) => o.gone)}::boolean[], ${column((o) => o.countsForHealth)}::boolean[],
                           ${column((o) => o.statusCode)}::integer[], ${column((o) => o.error)}::text[],
                           ${column((o) => o.durationMs)}::integer[], ${column((o) => o.responseExcerpt)}::text[])
             AS o(attempt_id, delivery_id, webhook_id, ok, retry_delay_ms, wait_reason, gone, counts_for_health,
                  status_code, error, duration_ms, response_excerpt)
    ),
    attempt AS (
      UPDATE delivery_attempts a
         SET outcome = CASE WHEN o.ok THEN 'succeeded' ELSE 'failed' END, completed_at = now(), duration_ms = o.duration_ms,
             status_code = o.status_code, error = o.error, response_excerpt = o.response_excerpt,
             wait_ms = o.retry_delay_ms, wait_reason = o.wait_reason
        FROM outcome o WHERE a.id = o.attempt_id
    ),
    by_webhook AS (
      SELECT webhook_id, bool_or(ok) AS any_ok, count(*) FILTER (WHERE NOT ok) AS failures,
             bool_or(gone) AS gone
        FROM outcome WHERE counts_for_health GROUP BY webhook_id
    ),
    health AS (
      UPDATE webhooks w
         SET last_success_at = CASE WHEN b.any_ok THEN now() ELSE w.last_success_at END,
             last_failure_at = CASE WHEN b.failures > 0 THEN now() ELSE w.last_failure_at END,
             consecutive_failures = CASE WHEN b.any_ok THEN 0 ELSE w.consecutive_failures + b.failures END,
             failing_since = CASE WHEN b.any_ok THEN NULL ELSE coalesce(w.failing_since, now()) END,
             failing_warned_at = CASE WHEN b.any_ok THEN NULL ELSE w.failing_warned_at END,
             disabled_reason = CASE WHEN b.gone AND w.disabled_reason IS NULL THEN 'gone' ELSE w.disabled_reason END,
             disabled_at = CASE WHEN b.gone AND w.disabled_reason IS NULL THEN now() ELSE w.disabled_at END
        FROM by_webhook b
       WHERE w.id = b.webhook_id
         AND (b.failures > 0 OR w.consecutive_failures > 0 OR w.last_success_at IS NULL
              OR w.last_success_at < now() - ${SUCCESS_REFRESH}::interval)
    )
    UPDATE deliveries d
       SET status = CASE WHEN o.ok THEN 'succeeded' WHEN o.retry_delay_ms IS NULL THEN 'failed' ELSE 'pending' END,
           last_status_code = o.status_code, last_error = o.error,
           delivered_at = CASE WHEN o.ok THEN now() END,
           next_attempt_at = CASE WHEN o.ok OR o.retry_delay_ms IS NULL THEN NULL
                                  ELSE clock_timestamp() + o.retry_delay_ms * interval '1 ms' END,
           lease_attempt_id = NULL, lease_expires_at = NULL, updated_at = now()
      FROM outcome o WHERE d.id = o.delivery_id AND d.status = 'pending' AND d.lease_attempt_id = o.attempt_id
  `.execute(db);
}

/** Settles a delivery as failed without a new attempt: its last attempt never finished. Only its owner may. */
export async function failDelivery(
  db: Db,
  args: { deliveryId: string; owner: string | null; error: string },
): Promise<void> {
  await sql`
    WITH settled AS (
      UPDATE deliveries
         SET status = 'failed', last_error = ${args.error}, next_attempt_at = NULL, lease_attempt_id = NULL,
             lease_expires_at = NULL, updated_at = now()
       WHERE id = ${args.deliveryId} AND status = 'pending' AND workflow_id IS NOT DISTINCT FROM ${args.owner}
      RETURNING id
    )
    UPDATE delivery_attempts a SET outcome = 'interrupted', completed_at = now(), error = ${INTERRUPTED}
      FROM settled s WHERE a.delivery_id = s.id AND a.outcome = 'in_flight'
  `.execute(db);
}
