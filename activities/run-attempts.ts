import type { Db } from '../server/db/database.js';
import type { AttemptTrigger } from '../server/db/tables/delivery-attempts.table.js';
import { beginAttempts, completeAttempts, type DeliveryRange } from '../server/repositories/delivery-attempts.js';
import type { DeliveryPolicy } from '../workflows/shared.js';
import { deliveryHeaders } from './delivery-headers.js';
import { serializeEnvelope } from './envelope.js';
import type { DeliveryHttpClient } from './http/delivery-http-client.js';
import { nextRetryDelayMs } from './retry-schedule.js';

export interface AttemptDeps {
  db: Db;
  http: DeliveryHttpClient;
  userAgent: string;
}

export interface AttemptResult {
  deliveryId: string;
  attemptNumber: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
  /** The wait before the next attempt, or undefined when this failure was the last attempt (or it succeeded). */
  retryDelayMs: number | undefined;
}

export type RunAttemptsResult =
  | { kind: 'event-missing' }
  | { kind: 'done'; results: AttemptResult[]; unavailable: string[] };

/**
 * One attempt at every pending delivery in the range, concurrently: record them (one statement), sign and POST
 * each, record the outcomes (one statement). Where an attempt falls in the schedule comes from its attempt number
 * in Postgres, which counts every attempt ever made, so a crash can never buy a delivery an extra attempt.
 * `seriesStart` lets a manual retry run the schedule again from the top.
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
    signal?: AbortSignal;
  },
): Promise<RunAttemptsResult> {
  const begun = await beginAttempts(deps.db, args.range, args.trigger, args.maxCount);
  if (!begun) return { kind: 'event-missing' };
  const body = serializeEnvelope(begun.event);
  const outcomes = await Promise.all(
    begun.attempts.map(async (attempt) => {
      const outcome = await deps.http.post({
        url: attempt.url,
        body,
        headers: deliveryHeaders({
          body,
          secret: attempt.secret,
          eventId: begun.event.id,
          eventType: begun.event.type,
          attemptNumber: attempt.attemptNumber,
          userAgent: deps.userAgent,
        }),
        timeoutMs: args.policy.attemptTimeoutMs,
        signal: args.signal,
      });
      const retryDelayMs = outcome.ok ? undefined : nextRetryDelayMs(args.policy.retryScheduleMs, attempt.attemptNumber - args.seriesStart);
      return { attempt, outcome, retryDelayMs, final: !outcome.ok && retryDelayMs === undefined };
    }),
  );
  await completeAttempts(
    deps.db,
    outcomes.map(({ attempt, outcome, final }) => ({ attemptId: attempt.attemptId, deliveryId: attempt.deliveryId, final, ...outcome })),
  );
  return {
    kind: 'done',
    unavailable: begun.unavailable,
    results: outcomes.map(({ attempt, outcome, retryDelayMs }) => ({
      deliveryId: attempt.deliveryId,
      attemptNumber: attempt.attemptNumber,
      ok: outcome.ok,
      statusCode: outcome.statusCode,
      error: outcome.error,
      durationMs: outcome.durationMs,
      responseExcerpt: outcome.responseExcerpt,
      retryDelayMs,
    })),
  };
}
