import { activateScheduledDeliveries } from '../server/db/queries/deliveries.js';
import { awaitPublication } from '../server/db/queries/publication-locks.js';
import { DELIVERIES_PER_BATCH, type FirstAttemptsInput, type FirstAttemptsResult } from '../workflows/shared.js';
import { type AttemptDeps, runAttempts } from '../server/delivery/run-attempts.js';

/**
 * The first attempt at every delivery of a batch, run as a local activity: no activity task on the Temporal
 * server, two Postgres statements for the whole batch, and the requests sent concurrently. Deliveries that fail
 * are handed back to the workflow, which retries each through `signAndPost` and its retry policy.
 *
 * A local activity that outlives its time limit is started again while the first run may still be sending; the
 * attempt leases make the second run wait for the first one's outcome and report it instead of sending again.
 */
export function createFirstAttempts(deps: AttemptDeps) {
  return async function firstAttempts(args: FirstAttemptsInput): Promise<FirstAttemptsResult> {
    const range = {
      scope: args.scope,
      eventId: args.eventId,
      fromId: args.batch.fromId,
      toId: args.batch.toId,
      owner: args.owner,
    };
    const attempt = async () => {
      // A scheduled send comes due: its deliveries become pending here, in one statement that a concurrent cancel
      // either precedes (they stay cancelled and nothing is sent) or follows (it finds them pending and refuses).
      if (args.scheduled) await activateScheduledDeliveries(deps.db, range);
      return runAttempts(deps, {
        range,
        maxCount: DELIVERIES_PER_BATCH,
        policy: args.policy,
        trigger: 'scheduled',
        seriesStart: 0,
        requestId: args.requestId,
      });
    };
    let run = await attempt();
    if (run.kind === 'not-owned') {
      // Started before its publishing transaction committed (eager start makes that the rule): wait for that
      // transaction to end, then look again. Still nothing means it rolled back, and there is nothing to deliver.
      await awaitPublication(deps.db, args.scope, args.eventId);
      run = await attempt();
      if (run.kind === 'not-owned') return { rolledBack: true, succeeded: 0, failed: 0, retry: [] };
    }
    const retry = run.results.filter((r) => !r.ok && r.retryDelayMs !== undefined);
    const parked = run.parked.length + run.results.filter((r) => r.parked).length;
    const cancelled = run.results.filter((r) => r.cancelled).length;
    const queued = run.results.filter((r) => r.queued).map((r) => r.deliveryId);
    return {
      succeeded: run.results.filter((r) => r.ok).length,
      failed:
        run.results.filter((r) => !r.ok && !r.parked && !r.cancelled && !r.queued && r.retryDelayMs === undefined)
          .length + run.unavailable.length,
      ...(parked > 0 ? { parked } : {}),
      ...(cancelled > 0 ? { cancelled } : {}),
      ...(queued.length > 0 ? { queued } : {}),
      retry: retry.map((r) => ({
        deliveryId: r.deliveryId,
        attempts: r.attemptNumber,
        retryDelayMs: r.retryDelayMs!,
        ...(r.endpoint ? { endpoint: r.endpoint } : {}),
      })),
    };
  };
}
