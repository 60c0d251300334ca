import { sql } from 'kysely';
import type { Db } from '../database.js';
import { idFloorAt } from '../ids.js';

/**
 * Adaptive rates of webhooks without a configured limit (`webhooks.adaptive_per_second`), enforced with the token
 * bucket of `webhook_rate_buckets` that `beginAttempts` takes from. server/delivery/adaptive-rate.ts says what
 * counts as overload; this file keeps the arithmetic, in one statement, so concurrent workers agree on it.
 */

export interface AdaptiveSettings {
  /**
   * The least rate a webhook gets when adaptation engages: it gets half the traffic it was getting (deliveries made
   * for it in the last two seconds), when that is more, up to the ceiling.
   */
  startPerSecond: number;
  /** It is never halved below this. */
  floorPerSecond: number;
  /** Each success while adaptive adds this much. */
  stepPerSecond: number;
  /** Above this the rate is released: the endpoint is unlimited again. */
  ceilingPerSecond: number;
  /** A burst of concurrent failures lowers the rate once per window, not once per failure. */
  decreaseWindowMs: number;
}

/** How far back the traffic a webhook was getting is counted when its adaptive rate engages. */
const RECENT_SECONDS = 2;

/** What a batch of attempts says about one webhook's adaptive rate. */
export interface AdaptiveSample {
  webhookId: string;
  /** Overload signals: any engages or lowers the rate. */
  signals: number;
  /** Successes: each adds a step, when no signal came with them. */
  successes: number;
  /** The longest bounded `Retry-After` among the signals, in ms (0: none): no token is handed out before it. */
  pauseMs: number;
}

/** How a webhook's adaptive rate changed; `before`/`after` null: unlimited. */
export interface AdaptiveChange {
  webhookId: string;
  before: number | null;
  after: number | null;
  /** Lowered (or engaged) by an overload signal. */
  decreased: boolean;
}

/**
 * Applies one webhook's sample, in one statement: it locks the webhook row and, if the webhook has no configured
 * limit:
 *
 * - an overload signal engages the rate at half the traffic the webhook was getting (at least `startPerSecond`, at
 *   most the ceiling) when none is in effect, else halves it (never below
 *   the floor) unless it was lowered within the window: the other signals of one burst were caused by the same
 *   overload, and halving for each would drive any burst to the floor;
 * - without a signal, each success adds a step; above the ceiling the rate is released (null).
 *
 * Engaging writes the bucket row (no token for now), so every snapshot that sees the rate sees its bucket; a
 * `Retry-After` pushes the bucket's refill time to then (no token before it). A released rate leaves its bucket
 * row behind, no longer consulted, so a run that still read the rate finds a bucket. Returns the change, if the rate
 * changed (one held at the floor did not).
 *
 * One webhook per statement, and so per transaction: it never holds one webhook row while waiting for another, so
 * it cannot deadlock over them with `completeAttempts`, whose health update locks them in no set order (a deadlock
 * could abort the statement that records outcomes). It does wait for the row: a burst of failures makes a queue of
 * health updates on it, and a sample that skipped a held row would lose exactly the signals of that burst.
 */
export async function adjustAdaptiveRate(
  db: Db,
  settings: AdaptiveSettings,
  sample: AdaptiveSample,
): Promise<AdaptiveChange | undefined> {
  const { startPerSecond, floorPerSecond, stepPerSecond, ceilingPerSecond, decreaseWindowMs } = settings;
  const { rows } = await sql<{ before: number | null; after: number | null; decreased: boolean }>`
    WITH locked AS MATERIALIZED (
      SELECT w.id, w.workspace_id, w.mode, w.adaptive_per_second AS rate, w.adaptive_decreased_at AS decreased_at,
             ${sample.signals}::integer AS signals, ${sample.successes}::integer AS successes,
             ${Math.round(sample.pauseMs)}::integer AS pause_ms
        FROM webhooks w
       WHERE w.id = ${sample.webhookId} AND w.rate_limit_per_second IS NULL AND w.deleted_at IS NULL
         FOR UPDATE
    ),
    decided AS MATERIALIZED (
      SELECT l.id, l.rate AS before, l.pause_ms, x.decrease,
             CASE WHEN x.decrease AND l.rate IS NULL
                  -- Half the traffic it was getting (multiplicative decrease from where it stood), at least the
                  -- start rate, at most the ceiling. The deliveries made for it in the last few seconds stand for
                  -- that traffic: one range of an index it has anyway, read only when the rate engages.
                  THEN least(${ceilingPerSecond}::float8, greatest(${startPerSecond}::float8, (
                    SELECT count(*) / ${RECENT_SECONDS}::float8 / 2 FROM deliveries d
                     WHERE d.workspace_id = l.workspace_id AND d.mode = l.mode AND d.webhook_id = l.id
                       AND d.id >= ${idFloorAt('delivery', new Date(Date.now() - RECENT_SECONDS * 1_000))})))
                  WHEN x.decrease THEN greatest(${floorPerSecond}::float8, l.rate / 2)
                  WHEN l.signals > 0 THEN l.rate
                  WHEN l.rate + l.successes * ${stepPerSecond}::float8 > ${ceilingPerSecond}::float8 THEN NULL
                  ELSE l.rate + l.successes * ${stepPerSecond}::float8
             END AS after
        FROM locked l
        CROSS JOIN LATERAL (
          SELECT l.signals > 0
                 AND (l.rate IS NULL OR l.decreased_at IS NULL
                      OR l.decreased_at <= clock_timestamp() - ${decreaseWindowMs} * interval '1 ms') AS decrease
        ) x
    ),
    changed AS (
      UPDATE webhooks w
         SET adaptive_per_second = d.after,
             adaptive_since = CASE WHEN d.after IS NULL THEN NULL ELSE coalesce(w.adaptive_since, clock_timestamp()) END,
             adaptive_decreased_at = CASE WHEN d.decrease THEN clock_timestamp()
                                          WHEN d.after IS NULL THEN NULL ELSE w.adaptive_decreased_at END
        FROM decided d
       WHERE w.id = d.id AND (d.decrease OR d.after IS DISTINCT FROM d.before)
    ),
    bucket AS (
      INSERT INTO webhook_rate_buckets AS b (webhook_id, tokens, refilled_at, next_wake_at)
      SELECT d.id, 0, clock_timestamp() + d.pause_ms * interval '1 ms', clock_timestamp()
        FROM decided d
       WHERE d.after IS NOT NULL AND (d.before IS NULL OR d.pause_ms > 0)
      ON CONFLICT (webhook_id) DO UPDATE
         SET tokens = 0, refilled_at = greatest(b.refilled_at, excluded.refilled_at)
    )
    SELECT d.before, d.after, d.decrease AS decreased FROM decided d WHERE d.after IS DISTINCT FROM d.before
  `.execute(db);
  const row = rows[0];
  return row
    ? { webhookId: sample.webhookId, before: row.before, after: row.after, decreased: row.decreased }
    : undefined;
}

export interface AdaptiveRate {
  webhookId: string;
  perSecond: number;
}

/** Every adaptive rate in effect, from the partial index on them: a read never scans the webhooks. */
export async function adaptiveRates(db: Db): Promise<AdaptiveRate[]> {
  const { rows } = await sql<{ id: string; per_second: number }>`
    SELECT id, adaptive_per_second AS per_second FROM webhooks WHERE adaptive_per_second IS NOT NULL
  `.execute(db);
  return rows.map((r) => ({ webhookId: r.id, perSecond: r.per_second }));
}
