import type { AdaptiveSample } from '../db/queries/adaptive-rates.js';
import type { PostOutcome } from './delivery-http-client.js';
import { parseRetryAfter, RETRY_AFTER_STATUSES } from './retry-after.js';

export type { AdaptiveChange, AdaptiveSample, AdaptiveSettings } from '../db/queries/adaptive-rates.js';

/**
 * Adaptive rates (AIMD) for webhooks without a configured limit. An endpoint that answers 429 or 503, times out or
 * drops the connection is overloaded: Herald engages a rate for it (`startPerSecond`), enforced with the same token
 * bucket as a configured limit, halves it on further overload at most once per `decreaseWindowMs` (never below
 * `floorPerSecond`), and adds `stepPerSecond` back for each success; once above `ceilingPerSecond` the rate is
 * released and the endpoint is unlimited again. A configured limit always wins and is never adapted.
 *
 * The arithmetic runs in Postgres, in the statement that adjusts the rate (`adjustAdaptiveRate`), so concurrent
 * workers agree on it. What is pure lives here: which outcomes are overload signals, how long a `Retry-After`
 * may hold the bucket, and what one batch of attempts says about each webhook.
 */

/** One second: about the time a burst of requests sent together takes to come back. */
export const ADAPTIVE_DECREASE_WINDOW_MS = 1_000;

/**
 * What an overloaded endpoint answers: 429 or 503, a timeout, or a connection refused, reset or closed. Not a
 * refusal by Herald's own endpoint policy (`blocked: …`), a request that never left (`not sent: …`), DNS or TLS
 * trouble, or another status: slowing down would not help those. The messages are Herald's own
 * (delivery-http-client.ts).
 */
export function isOverloadSignal(outcome: Pick<PostOutcome, 'ok' | 'statusCode' | 'error'>): boolean {
  if (outcome.ok) return false;
  if (outcome.statusCode !== null) return RETRY_AFTER_STATUSES.has(outcome.statusCode);
  return /^(timeout|connection )/.test(outcome.error ?? '');
}

/**
 * How long an overloaded endpoint's `Retry-After` holds its bucket (no token before then), in ms; 0 without one.
 * Bounded like a retry's wait: never past the schedule's longest wait, so an endpoint cannot stall a webhook for days.
 */
export function adaptivePauseMs(
  outcome: Pick<PostOutcome, 'statusCode' | 'retryAfter'>,
  args: { now: number; longestMs: number },
): number {
  if (outcome.statusCode === null || !RETRY_AFTER_STATUSES.has(outcome.statusCode)) return 0;
  const asked = parseRetryAfter(outcome.retryAfter, args.now);
  return asked === undefined ? 0 : Math.min(asked, args.longestMs);
}

/** One attempt's outcome, with what its webhook row said when the attempt started. */
export interface AdaptiveAttempt {
  webhookId: string;
  /** The webhook has a configured limit: never adapted. */
  limited: boolean;
  /** The webhook had an adaptive rate in effect. */
  adaptive: boolean;
  outcome: Pick<PostOutcome, 'ok' | 'statusCode' | 'error' | 'retryAfter'>;
  /**
   * The wait Herald chose before this delivery's next attempt (its `Retry-After`, bounded by the schedule); the
   * bucket is never held longer than that, or the retry would come back to an empty bucket.
   */
  waitMs?: number | undefined;
}

/**
 * The webhooks of a batch whose adaptive rate must be looked at: those with an overload signal, and those already
 * adaptive (their successes raise the rate). A healthy webhook (no signal, no adaptive rate) is left out, so its
 * attempts cost nothing more; so is any webhook with a configured limit.
 */
export function adaptiveSamples(
  attempts: AdaptiveAttempt[],
  args: { now: number; longestMs: number },
): AdaptiveSample[] {
  const samples = new Map<string, AdaptiveSample>();
  for (const attempt of attempts) {
    if (attempt.limited) continue;
    const signal = isOverloadSignal(attempt.outcome);
    if (!signal && !attempt.adaptive) continue;
    let sample = samples.get(attempt.webhookId);
    if (!sample) {
      sample = { webhookId: attempt.webhookId, signals: 0, successes: 0, pauseMs: 0 };
      samples.set(attempt.webhookId, sample);
    }
    if (signal) {
      sample.signals++;
      const bound = { now: args.now, longestMs: Math.min(args.longestMs, attempt.waitMs ?? args.longestMs) };
      sample.pauseMs = Math.max(sample.pauseMs, adaptivePauseMs(attempt.outcome, bound));
    } else if (attempt.outcome.ok) {
      sample.successes++;
    }
  }
  return [...samples.values()].sort((a, b) => (a.webhookId < b.webhookId ? -1 : 1));
}
