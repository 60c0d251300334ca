import { activityInfo, ApplicationFailure, cancellationSignal } from '@temporalio/activity';
import { deliveryState } from '../server/repositories/delivery-attempts.js';
import { failureTypes, type SignAndPostInput, type SignAndPostResult } from '../workflows/shared.js';
import { nextRetryDelayMs } from './retry-schedule.js';
import { type AttemptDeps, runAttempts } from './run-attempts.js';

/**
 * One attempt at one delivery, as a regular activity under Temporal's retry policy: used for every attempt after
 * the first. The activity names the wait before the next attempt (`nextRetryDelay`) from the schedule, so the
 * seed schedule is applied exactly; the last failure is non-retryable and leaves the delivery `failed`.
 */
export function createSignAndPost(deps: AttemptDeps) {
  return async function signAndPost(input: SignAndPostInput): Promise<SignAndPostResult> {
    const { deliveryId, eventId, policy } = input;
    let run;
    try {
      run = await runAttempts(deps, {
        range: { scope: input.scope, eventId, fromId: deliveryId, toId: deliveryId },
        maxCount: 1,
        policy,
        trigger: input.trigger,
        seriesStart: input.seriesStart,
        signal: cancellationSignal(),
      });
    } catch (error) {
      // Postgres unreachable: nothing was sent, or its outcome could not be recorded (the row stays in_flight and
      // the next attempt marks it interrupted). Retry on the schedule, counting this attempt as Temporal does.
      const delay = nextRetryDelayMs(policy.retryScheduleMs, input.attemptsBefore - input.seriesStart + activityInfo().attempt);
      if (delay === undefined) throw error;
      throw ApplicationFailure.create({ type: failureTypes.attemptFailed, message: `could not record the attempt: ${(error as Error).message}`, nextRetryDelay: delay });
    }
    const result = run.kind === 'done' ? run.results[0] : undefined;
    if (result?.ok) return { attemptNumber: result.attemptNumber, statusCode: result.statusCode! };
    if (result) {
      const message = `attempt ${result.attemptNumber} failed: ${result.error}`;
      if (result.retryDelayMs === undefined) throw ApplicationFailure.create({ type: failureTypes.deliveryFailed, nonRetryable: true, message });
      throw ApplicationFailure.create({ type: failureTypes.attemptFailed, message, nextRetryDelay: result.retryDelayMs });
    }
    // Nothing was attempted: find out why.
    const state = await deliveryState(deps.db, deliveryId);
    if (state?.status === 'succeeded') return { attemptNumber: state.attemptCount, statusCode: state.lastStatusCode ?? 200 };
    throw ApplicationFailure.create({
      type: failureTypes.deliveryFailed,
      nonRetryable: true,
      message: state ? `delivery ${deliveryId} is ${state.status}: ${state.lastError ?? 'no further attempts'}` : `delivery ${deliveryId} does not exist`,
    });
  };
}
