import { reopenParked } from '../server/db/queries/endpoint-health.js';
import { handOverDelivery } from '../server/db/queries/deliveries.js';
import { type AttemptDeps, runAttempts } from '../server/delivery/run-attempts.js';
import type { WorkflowGateway } from '../server/temporal/workflow-gateway-contract.js';
import { type DrainPageInput, type DrainPageResult, resumeWorkflowId } from '../workflows/shared.js';

/** Attempts of one drained page run this many at a time, so a returning endpoint is not flooded. */
const CONCURRENCY = 10;

/**
 * One page of a webhook's parked deliveries, oldest first: reopened for the drain workflow, attempted once each,
 * and every one that fails handed to a `resumeDelivery` workflow that waits out the schedule's delay and carries on.
 */
export function createDrainParkedPage(deps: AttemptDeps & { workflows: Pick<WorkflowGateway, 'startResume'> }) {
  return async function drainParkedPage(args: DrainPageInput): Promise<DrainPageResult> {
    const page = await reopenParked(deps.db, args.scope, {
      webhookId: args.webhookId,
      owner: args.owner,
      limit: args.limit,
    });
    let succeeded = 0;
    let next = 0;
    const worker = async () => {
      while (next < page.length) {
        const delivery = page[next++]!;
        const run = await runAttempts(deps, {
          range: {
            scope: args.scope,
            eventId: delivery.eventId,
            fromId: delivery.id,
            toId: delivery.id,
            owner: args.owner,
          },
          maxCount: 1,
          policy: args.policy,
          trigger: 'scheduled',
          seriesStart: delivery.seriesStart,
        });
        const result = run.kind === 'done' ? run.results[0] : undefined;
        if (result?.ok) succeeded += 1;
        if (!result || result.ok || result.retryDelayMs === undefined) continue;
        const owner = resumeWorkflowId(delivery.id, result.attemptNumber);
        if (!(await handOverDelivery(deps.db, { id: delivery.id, from: args.owner, to: owner }))) continue;
        await deps.workflows.startResume({
          scope: args.scope,
          eventId: delivery.eventId,
          deliveryId: delivery.id,
          webhookId: args.webhookId,
          owner,
          seriesStart: delivery.seriesStart,
          attemptsBefore: result.attemptNumber,
          waitMs: result.retryDelayMs,
        });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return { attempted: page.length, succeeded };
  };
}
