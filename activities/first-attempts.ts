import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import { DELIVERIES_PER_BATCH, type DeliveryBatch, type DeliveryPolicy, failureTypes, type FirstAttemptsResult, type Scope } from '../workflows/shared.js';
import { type AttemptDeps, runAttempts } from './run-attempts.js';

/** Attempts (5 ms, doubling: about 20 s in all) a fan-out waits for its publishing transaction to commit before concluding it never did. */
const EVENT_VISIBLE_ATTEMPTS = 12;

/**
 * The first attempt at every delivery of a batch, run as a local activity: no activity task on the Temporal
 * server, two Postgres statements for the whole batch, and the requests sent concurrently. Deliveries that fail
 * are handed back to the workflow, which retries each through `signAndPost` and its retry policy.
 */
export function createFirstAttempts(deps: AttemptDeps) {
  return async function firstAttempts(args: { scope: Scope; eventId: string; batch: DeliveryBatch; policy: DeliveryPolicy }): Promise<FirstAttemptsResult> {
    const run = await runAttempts(deps, {
      range: { scope: args.scope, eventId: args.eventId, fromId: args.batch.fromId, toId: args.batch.toId },
      maxCount: DELIVERIES_PER_BATCH,
      policy: args.policy,
      trigger: 'scheduled',
      seriesStart: 0,
    });
    if (run.kind === 'event-missing') {
      // The workflow may start a moment before the publishing transaction commits.
      const nonRetryable = activityInfo().attempt >= EVENT_VISIBLE_ATTEMPTS;
      throw ApplicationFailure.create({ type: failureTypes.eventNotFound, message: `event ${args.eventId} is not stored`, nonRetryable });
    }
    const retry = run.results.filter((r) => !r.ok && r.retryDelayMs !== undefined);
    return {
      succeeded: run.results.filter((r) => r.ok).length,
      failed: run.results.filter((r) => !r.ok && r.retryDelayMs === undefined).length + run.unavailable.length,
      retry: retry.map((r) => ({ deliveryId: r.deliveryId, attempts: r.attemptNumber, retryDelayMs: r.retryDelayMs! })),
    };
  };
}
