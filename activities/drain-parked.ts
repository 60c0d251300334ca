import { reopenParked } from '../server/db/queries/endpoint-health.js';
import { handOverDelivery } from '../server/db/queries/deliveries.js';
import type { AttemptDeps } from '../server/delivery/run-attempts.js';
import type { WorkflowGateway } from '../server/temporal/workflow-gateway-contract.js';
import { attemptEach } from './attempt-each.js';
import { type DrainPageInput, type DrainPageResult, resumeWorkflowId } from '../workflows/shared.js';

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
    const succeeded = await attemptEach(
      deps,
      page,
      { scope: args.scope, owner: args.owner, policy: args.policy, trigger: 'scheduled' },
      async (delivery, result) => {
        if (!result || result.ok || result.retryDelayMs === undefined) return;
        const owner = resumeWorkflowId(delivery.id, result.attemptNumber);
        if (!(await handOverDelivery(deps.db, { id: delivery.id, from: args.owner, to: owner }))) return;
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
      },
    );
    return { attempted: page.length, succeeded };
  };
}
