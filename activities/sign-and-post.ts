import { type AttemptDeps, runAttempts } from '../server/delivery/run-attempts.js';
import { failureTypes, type SignAndPostInput, type SignAndPostResult } from '../workflows/shared.js';
import { routineFailure } from './routine-failure.js';

/** How long a delivery that turns out not to have its turn yet waits before looking again. */
const QUEUED_RECHECK_MS = 30_000;

/**
 * One attempt at one delivery, as a regular activity under Temporal's retry policy: used for every attempt after
 * the first. The activity names the wait before the next attempt (`nextRetryDelay`) from the schedule (or the
 * endpoint's Retry-After within bounds), so the schedule is applied exactly; the last failure is non-retryable and
 * leaves the delivery `failed`.
 *
 * How many attempts a delivery gets is decided by Postgres, which counts every attempt ever made, not by
 * Temporal's retry counter: a run that failed before sending (Postgres unreachable) or whose result was lost is
 * retried without using up an attempt, and a run that finds the attempt already made reports that attempt.
 */
export function createSignAndPost(deps: AttemptDeps) {
  return async function signAndPost(input: SignAndPostInput): Promise<SignAndPostResult> {
    const { deliveryId, eventId, policy } = input;
    const run = await runAttempts(deps, {
      range: { scope: input.scope, eventId, fromId: deliveryId, toId: deliveryId, owner: input.owner ?? null },
      maxCount: 1,
      policy,
      trigger: input.trigger,
      seriesStart: input.seriesStart,
      requestId: input.requestId,
    });
    const final = { nonRetryable: true };
    if (run.kind === 'not-owned') {
      throw routineFailure(
        failureTypes.deliveryHandedOver,
        `delivery ${deliveryId} no longer belongs to this workflow`,
        final,
      );
    }
    const result = run.results[0];
    if (run.parked.length > 0 || result?.parked) {
      throw routineFailure(
        failureTypes.deliveryParked,
        `delivery ${deliveryId} is parked: its webhook is paused or disabled`,
        final,
      );
    }
    if (!result) {
      throw routineFailure(
        failureTypes.deliveryFailed,
        `delivery ${deliveryId}: the webhook was deleted or disabled`,
        final,
      );
    }
    if (result.ok) return { attemptNumber: result.attemptNumber, statusCode: result.statusCode ?? 200 };
    if (result.queued) {
      // Only attempted once its turn came, so only a turn passed back can get here: look again in a while.
      throw routineFailure(
        failureTypes.deliveryQueued,
        `delivery ${deliveryId} waits for an earlier event of its ordering key`,
        { nextRetryDelay: QUEUED_RECHECK_MS },
      );
    }
    if (result.rateLimited) {
      // Not a failed attempt: nothing was sent and none was counted. Temporal retries when the token is due,
      // holding no worker meanwhile, and the activity's retries leave no trace in the workflow's history.
      throw routineFailure(
        failureTypes.rateLimited,
        `delivery ${deliveryId} waits ${result.retryDelayMs ?? 0} ms for a token of its webhook's rate limit`,
        { nextRetryDelay: Math.max(1, result.retryDelayMs ?? 1_000) },
      );
    }
    const message = `attempt ${result.attemptNumber} failed: ${result.error ?? 'unknown error'}`;
    if (result.retryDelayMs === undefined) throw routineFailure(failureTypes.deliveryFailed, message, final);
    throw routineFailure(failureTypes.attemptFailed, message, { nextRetryDelay: result.retryDelayMs });
  };
}
