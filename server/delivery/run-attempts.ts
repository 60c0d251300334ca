import type { Db } from '../db/database.js';
import { adjustAdaptiveRate } from '../db/queries/adaptive-rates.js';
import {
  beginAttempts,
  completeAttempts,
  type DeliveryRange,
  type StartedAttempt,
  type UntouchedDelivery,
} from '../db/queries/delivery-attempts.js';
import type { AttemptTrigger } from '../db/tables/delivery-attempts.table.js';
import { findTurnHolders, type TurnHolder } from '../db/queries/delivery-order.js';
import { type AdaptiveChange, adaptiveSamples, type AdaptiveSettings } from './adaptive-rate.js';
import { openHeaders } from './custom-headers.js';
import { deliveryHeaders } from './delivery-headers.js';
import type { DeliveryHttpClient, PostOutcome } from './delivery-http-client.js';
import { serializeEnvelope } from './envelope.js';
import { attemptLeaseMs, type DeliveryPolicy } from './policy.js';
import { waitAfterFailure, withJitter } from './retry-after.js';
import { nextRetryDelayMs } from './retry-schedule.js';
import type { SecretBox } from './secret-box.js';
import { DEFAULT_SIGNATURE_PROFILE, type TimestampField } from './signing.js';

export interface AttemptDeps {
  db: Db;
  http: DeliveryHttpClient;
  userAgent: string;
  /** Opens the sealed secrets and custom headers of the webhooks being attempted. */
  secrets: SecretBox;
  /** Told of every recorded attempt (the composition root logs and counts them); never of a secret or header. */
  observe?: (attempt: ObservedAttempt) => void;
  /**
   * Wraps each request in a trace span, when tracing is configured (server/tracing/); absent otherwise, so an
   * attempt pays nothing for it. It sees the endpoint's host, never its URL, a secret or a header.
   */
  traceAttempt?: (attempt: TracedAttempt, post: () => Promise<PostOutcome>) => Promise<PostOutcome>;
  /**
   * Wakes the workflows whose delivery's turn came (for its ordering key) because a delivery of this run settled;
   * absent where nothing waits on turns (test sends). The turn itself passed in Postgres, in the settling statement.
   */
  tellTurns?: (holders: TurnHolder[]) => Promise<void>;
  /**
   * Adaptive rates for webhooks without a configured limit (adaptive-rate.ts); absent, nothing adapts (test sends,
   * which the API process makes, or HERALD_ADAPTIVE_RATE=false).
   */
  adaptive?: AdaptiveRateDeps;
}

export interface AdaptiveRateDeps {
  settings: AdaptiveSettings;
  /** Told when a webhook's adaptive rate changes (the composition root logs and counts it). */
  observe?: (change: AdaptiveChange) => void;
  /** The adjustment failed (Postgres broke a deadlock…): the outcomes are recorded; only this adjustment is lost. */
  failed?: (error: unknown) => void;
}

/** What a trace span says about an attempt before its request goes out. */
export interface TracedAttempt {
  deliveryId: string;
  webhookId: string;
  eventType: string;
  attemptNumber: number;
  trigger: AttemptTrigger;
  /** The endpoint's host[:port], never its path or query (they may carry tokens). */
  host: string;
}

/** One recorded attempt, as logs and metrics see it: what its span said, and how it went. */
export interface ObservedAttempt extends TracedAttempt {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The wait before the next attempt; undefined when this attempt settled the delivery. */
  retryDelayMs: number | undefined;
  /** For a first attempt: how long after the event was published it was made. */
  sinceEventMs: number | undefined;
  /** The API request the attempt goes back to (the publish, the retry, the test send); absent for Herald's own. */
  requestId?: string | undefined;
}

export interface AttemptResult {
  deliveryId: string;
  /** The number of the delivery's latest attempt. */
  attemptNumber: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
  /** The wait before the next attempt, or undefined when the delivery is settled (it succeeded, or that was the last). */
  retryDelayMs: number | undefined;
  /** The endpoint answered 410 Gone: no further attempts, and the webhook is disabled. */
  gone?: boolean;
  /** The webhook is paused or disabled by Herald: the delivery waits, parked, until it is resumed or enabled. */
  parked?: boolean;
  /** A scheduled send cancelled before it was sent: nothing went out, and nothing will. */
  cancelled?: boolean;
  /** Its turn for its ordering key has not come: nothing was sent; it goes when the key's previous delivery settles. */
  queued?: boolean;
  /**
   * Nothing was sent: the webhook's rate limit had no token. No attempt was counted (`attemptNumber` is the last
   * one made); `retryDelayMs` is when its token is expected.
   */
  rateLimited?: boolean;
  /** Where it went, host and path, short enough for a summary in the Temporal UI. */
  endpoint?: string;
}

export type RunAttemptsResult =
  { kind: 'not-owned' } | { kind: 'done'; results: AttemptResult[]; unavailable: string[]; parked: string[] };

/** A run waited this long for another run's attempt to finish, and it had not. */
export class AttemptsStillHeldError extends Error {
  override name = 'AttemptsStillHeldError';
}

/** How often a run looks again at deliveries another run is attempting. */
const HELD_POLL_MS = 200;

/**
 * One attempt at every delivery of the range that is due, concurrently: record them (one statement), sign and POST
 * each, record the outcomes (one statement). Where an attempt falls in the schedule comes from its attempt number
 * in Postgres, which counts every attempt ever made, so a crash can never buy a delivery an extra attempt.
 * `seriesStart` lets a manual retry run the schedule again from the top.
 *
 * Every delivery of the range gets a result, so running this again (an activity retried after its result was
 * lost) reports what happened instead of sending again: a settled delivery reports its outcome, one waiting for
 * its next attempt reports the wait left, and one that another run is attempting right now is waited for (its
 * lease bounds the wait) and then reported. Two attempts at one delivery never overlap.
 */
export async function runAttempts(
  deps: AttemptDeps,
  args: {
    range: DeliveryRange;
    maxCount: number;
    policy: DeliveryPolicy;
    trigger: AttemptTrigger;
    /** Attempts each delivery had before this series of attempts began (0 for the scheduled series). */
    seriesStart: number;
    /** The API request behind these attempts, for their log lines. */
    requestId?: string | undefined;
  },
): Promise<RunAttemptsResult> {
  const leaseMs = attemptLeaseMs(args.policy);
  let giveUpAt: number | undefined;
  const results = new Map<string, AttemptResult>();
  const unavailable: string[] = [];
  const parked: string[] = [];
  let held: string[] | undefined;
  for (;;) {
    const begun = await beginAttempts(deps.db, { ...args.range, onlyIds: held }, args.trigger, args.maxCount, leaseMs);
    if (!begun) {
      // Nothing of the range is ours: never was (or rolled back), or the ones we waited for were handed over.
      return held ? { kind: 'done', results: [...results.values()], unavailable, parked } : { kind: 'not-owned' };
    }
    unavailable.push(...begun.unavailable);
    parked.push(...begun.parked);
    for (const waiting of begun.throttled) {
      results.set(waiting.deliveryId, {
        deliveryId: waiting.deliveryId,
        attemptNumber: waiting.attemptCount,
        ok: false,
        statusCode: null,
        error: null,
        durationMs: 0,
        responseExcerpt: null,
        retryDelayMs: waiting.waitMs,
        rateLimited: true,
      });
    }
    // The body is the same bytes for every webhook that names the timestamp the same way.
    const bodies = new Map<TimestampField, string>();
    const bodyFor = (field: TimestampField) => {
      if (!bodies.has(field)) bodies.set(field, serializeEnvelope(begun.event, field));
      return bodies.get(field)!;
    };
    const outcomes = await Promise.all(
      begun.attempts.map((attempt) => send(deps, args, begun.event, bodyFor, attempt)),
    );
    await completeAttempts(
      deps.db,
      outcomes.map(({ attempt, outcome, retryDelayMs, waitReason, gone }) => ({
        attemptId: attempt.attemptId,
        deliveryId: attempt.deliveryId,
        webhookId: attempt.webhookId,
        retryDelayMs,
        waitReason,
        gone,
        countsForHealth: args.trigger !== 'test',
        ok: outcome.ok,
        statusCode: outcome.statusCode,
        error: outcome.error,
        durationMs: outcome.durationMs,
        responseExcerpt: outcome.responseExcerpt,
      })),
    );
    if (deps.adaptive && args.trigger !== 'test') await adaptRates(deps.db, deps.adaptive, args.policy, outcomes);
    for (const { attempt, outcome, retryDelayMs, gone } of outcomes) {
      deps.observe?.({
        deliveryId: attempt.deliveryId,
        webhookId: attempt.webhookId,
        eventType: begun.event.type,
        attemptNumber: attempt.attemptNumber,
        trigger: args.trigger,
        host: hostOf(attempt.url),
        ok: outcome.ok,
        statusCode: outcome.statusCode,
        error: outcome.error,
        durationMs: outcome.durationMs,
        retryDelayMs,
        sinceEventMs: attempt.attemptNumber === 1 ? Date.now() - begun.event.createdAt.getTime() : undefined,
        requestId: args.requestId,
      });
      results.set(attempt.deliveryId, {
        deliveryId: attempt.deliveryId,
        attemptNumber: attempt.attemptNumber,
        ok: outcome.ok,
        statusCode: outcome.statusCode,
        error: outcome.error,
        durationMs: outcome.durationMs,
        responseExcerpt: outcome.responseExcerpt,
        retryDelayMs,
        endpoint: displayEndpoint(attempt.url),
        ...(gone ? { gone } : {}),
      });
    }
    held = [];
    for (const delivery of begun.untouched) {
      if (results.has(delivery.deliveryId)) continue;
      if (delivery.busy) held.push(delivery.deliveryId);
      else results.set(delivery.deliveryId, asFound(delivery));
    }
    if (held.length === 0) {
      // Every settled delivery of an ordered event has passed its turn on: wake whoever waits for it. Run again (a
      // retried activity), this tells them again, which is harmless; a crash before it leaves the reconciler to.
      if (begun.event.ordered && deps.tellTurns)
        await deps.tellTurns(await findTurnHolders(deps.db, [...results.keys(), ...unavailable]));
      return { kind: 'done', results: [...results.values()], unavailable, parked };
    }
    // A lease lasts at most leaseMs; twice that, and the holder has had every chance to finish or expire.
    giveUpAt ??= Date.now() + 2 * leaseMs;
    if (Date.now() > giveUpAt) {
      throw new AttemptsStillHeldError(
        `${held.length} deliveries are still held by another attempt after ${2 * leaseMs} ms: ${held.slice(0, 5).join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, HELD_POLL_MS));
  }
}

async function send(
  deps: AttemptDeps,
  args: { policy: DeliveryPolicy; seriesStart: number; trigger: AttemptTrigger },
  event: { id: string; type: string },
  bodyFor: (field: TimestampField) => string,
  attempt: StartedAttempt,
): Promise<{
  attempt: StartedAttempt;
  outcome: PostOutcome;
  retryDelayMs: number | undefined;
  waitReason: string | null;
  gone: boolean;
}> {
  const profile = attempt.signatureProfile ?? DEFAULT_SIGNATURE_PROFILE;
  const body = bodyFor(profile.timestampField);
  const post = () =>
    deps.http.post({
      url: attempt.url,
      body,
      headers: deliveryHeaders({
        body,
        profile,
        secrets: {
          current: deps.secrets.open(attempt.secret),
          previous: attempt.previousSecret ? deps.secrets.open(attempt.previousSecret) : undefined,
          bodyHeadersUsePrevious: !attempt.bodySignatureSwitched,
        },
        customHeaders: openHeaders(deps.secrets, attempt.customHeaders),
        eventId: event.id,
        eventType: event.type,
        attemptNumber: attempt.attemptNumber,
        userAgent: deps.userAgent,
      }),
      timeoutMs: args.policy.attemptTimeoutMs,
      // Over a second before the lease ends (time to record it), so no later attempt can overlap this request.
      deadline: Date.now() + attempt.leaseMs - 1_000,
    });
  const outcome = deps.traceAttempt
    ? await deps.traceAttempt(
        {
          deliveryId: attempt.deliveryId,
          webhookId: attempt.webhookId,
          eventType: event.type,
          attemptNumber: attempt.attemptNumber,
          trigger: args.trigger,
          host: hostOf(attempt.url),
        },
        post,
      )
    : await post();
  if (outcome.ok) return { attempt, outcome, retryDelayMs: undefined, waitReason: null, gone: false };
  // 410 Gone: the endpoint says it will never take this again. No further attempts; the webhook is disabled.
  if (outcome.statusCode === 410)
    return { attempt, outcome, retryDelayMs: undefined, waitReason: 'the endpoint answered 410 Gone', gone: true };
  const scheduledMs = nextRetryDelayMs(args.policy.retryScheduleMs, attempt.attemptNumber - args.seriesStart);
  if (scheduledMs === undefined) return { attempt, outcome, retryDelayMs: undefined, waitReason: null, gone: false };
  const wait = waitAfterFailure({
    scheduledMs: withJitter(scheduledMs, args.policy.jitter ?? 0),
    longestMs: Math.max(...args.policy.retryScheduleMs),
    statusCode: outcome.statusCode,
    retryAfter: outcome.retryAfter,
    now: Date.now(),
  });
  return { attempt, outcome, retryDelayMs: wait.delayMs, waitReason: wait.reason, gone: false };
}

/**
 * Adjusts the adaptive rates the batch's outcomes call for (adaptive-rates.ts). A healthy webhook (no configured limit, no adaptive
 * rate, no overload signal) is not sampled, so a batch of healthy outcomes runs no statement here: its attempts
 * cost what they cost before. Otherwise it is one statement after completeAttempts' rather than part of it: that
 * statement's health update writes the same webhook rows, and one statement may not update a row twice; and if it
 * fails, the outcomes stay recorded and only this adjustment is lost.
 */
async function adaptRates(
  db: Db,
  adaptive: AdaptiveRateDeps,
  policy: DeliveryPolicy,
  outcomes: Array<{ attempt: StartedAttempt; outcome: PostOutcome; retryDelayMs: number | undefined }>,
): Promise<void> {
  const samples = adaptiveSamples(
    outcomes.map(({ attempt, outcome, retryDelayMs }) => ({
      webhookId: attempt.webhookId,
      limited: attempt.limited,
      adaptive: attempt.adaptive,
      outcome,
      waitMs: retryDelayMs,
    })),
    { now: Date.now(), longestMs: Math.max(...policy.retryScheduleMs) },
  );
  // One statement per webhook, one after the other: usually there is one (a retry is one delivery, and a fan-out's
  // webhooks are rarely overloaded together), and none ever holds one webhook row while waiting for another.
  for (const sample of samples) {
    try {
      const change = await adjustAdaptiveRate(db, adaptive.settings, sample);
      if (change) adaptive.observe?.(change);
    } catch (error) {
      adaptive.failed?.(error);
    }
  }
}

/** The result of a delivery this run did not attempt: settled, parked, cancelled, or waiting for its next attempt. */
function asFound(delivery: UntouchedDelivery): AttemptResult {
  const waiting = delivery.status === 'pending';
  return {
    deliveryId: delivery.deliveryId,
    attemptNumber: delivery.attemptCount,
    ok: delivery.status === 'succeeded',
    statusCode: delivery.lastStatusCode,
    error: delivery.lastError,
    durationMs: 0,
    responseExcerpt: null,
    retryDelayMs: waiting ? Math.max(1, delivery.dueInMs ?? 0) : undefined,
    ...(delivery.status === 'parked' ? { parked: true } : {}),
    ...(delivery.status === 'cancelled' ? { cancelled: true } : {}),
    ...(delivery.status === 'queued' ? { queued: true } : {}),
    ...(waiting && delivery.rateWaiting ? { rateLimited: true } : {}),
  };
}

/** `https://hooks.example.com/orders/webhook?x=1` → `hooks.example.com/orders/webhook`, at most 60 characters. */
export function displayEndpoint(url: string): string {
  let shown = url;
  try {
    const parsed = new URL(url);
    shown = `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    // shown as stored
  }
  return shown.length > 60 ? `${shown.slice(0, 59)}…` : shown;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
