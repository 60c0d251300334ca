import { ApplicationFailure } from '@temporalio/activity';
import { awaitPublication } from '../server/repositories/publication-locks.js';
import { DELIVERIES_PER_BATCH, type DeliveryBatch, type DeliveryPolicy, failureTypes, type FirstAttemptsResult, type Scope } from '../workflows/shared.js';
import { type AttemptDeps, runAttempts } from './run-attempts.js';

/**
 * The first attempt at every delivery of a batch, run as a local activity: no activity task on the Temporal
 * server, two Postgres statements for the whole batch, and the requests sent concurrently. Deliveries that fail
 * are handed back to the workflow, which retries each through `signAndPost` and its retry policy.
 */
export function createFirstAttempts(deps: AttemptDeps) {
  return async function firstAttempts(args: { scope: Scope; eventId: string; batch: DeliveryBatch; policy: DeliveryPolicy }): Promise<FirstAttemptsResult> {
    const attempt = () =>
      runAttempts(deps, {
        range: { scope: args.scope, eventId: args.eventId, fromId: args.batch.fromId, toId: args.batch.toId },
        maxCount: DELIVERIES_PER_BATCH,
        policy: args.policy,
        trigger: 'scheduled',
        seriesStart: 0,
      });
    let run = await attempt();
    if (run.kind === 'event-missing') {
      // Started before its publishing transaction committed (eager start makes that the rule): wait for that
      // transaction to end, then look again. Still missing means it rolled back, and there is nothing to deliver.
      await awaitPublication(deps.db, args.scope, args.eventId);
      run = await attempt();
      if (run.kind === 'event-missing') {
        throw ApplicationFailure.create({ type: failureTypes.eventNotFound, nonRetryable: true, message: `event ${args.eventId} was never stored: its publication rolled back` });
      }
    }
    const retry = run.results.filter((r) => !r.ok && r.retryDelayMs !== undefined);
    return {
      succeeded: run.results.filter((r) => r.ok).length,
      failed: run.results.filter((r) => !r.ok && r.retryDelayMs === undefined).length + run.unavailable.length,
      retry: retry.map((r) => ({ deliveryId: r.deliveryId, attempts: r.attemptNumber, retryDelayMs: r.retryDelayMs! })),
    };
  };
}
