import type { Db } from '../server/db/database.js';
import type { Logger } from '../server/logger.js';
import type { Metrics } from '../server/metrics.js';
import {
  abandonDelivery,
  findOverdueDeliveries,
  findScheduledSends,
  handOverDelivery,
  handOverScheduledDeliveries,
  type OverdueDelivery,
  type ScheduledSend,
} from '../server/db/queries/deliveries.js';
import { newId } from '../server/db/ids.js';
import type { WorkflowGateway } from '../server/temporal/workflow-gateway-contract.js';
import type { DeliveryPolicy } from '../server/delivery/policy.js';
import {
  fanOutWorkflowId,
  legacyFanOutWorkflowId,
  type ReconcileResult,
  resumeWorkflowId,
  TEST_SEND_OWNER,
  toBatches,
} from '../workflows/shared.js';

export interface ReconcilerSettings {
  /** How often to sweep. */
  intervalMs: number;
  /** How long past its due time a pending delivery must be before its owner is checked. */
  graceMs: number;
}

export interface ReconcileDeps {
  db: Db;
  workflows: Pick<WorkflowGateway, 'workflowState' | 'startResume' | 'startFanOut' | 'signalTurn'>;
  policy: DeliveryPolicy;
  reconciler: ReconcilerSettings;
  logger: Logger;
  metrics: Metrics;
}

/** Deliveries looked at per sweep; a larger backlog is worked off over the following sweeps. */
const SWEEP_LIMIT = 500;

/**
 * One sweep of the reconciler: every pending delivery long past its due time is checked against its owner. If
 * the owner is still running, the delivery is only late (a backlog; the owner will get to it). If not, nothing
 * will ever attempt it: it is handed to a new `resumeDelivery` workflow, or, for an interrupted test send, settled
 * as failed. Each such delivery is logged and counted, so a hole in the pipeline is never silent. Scheduled
 * deliveries are not overdue while they wait: their owner is checked too, and only a send whose workflow is gone
 * is started again, still for its time.
 */
export function createReconcileDeliveries(deps: ReconcileDeps) {
  return async function reconcileDeliveries(): Promise<ReconcileResult> {
    const overdue = await findOverdueDeliveries(deps.db, { graceMs: deps.reconciler.graceMs, limit: SWEEP_LIMIT });
    const result: ReconcileResult = {
      checked: overdue.length,
      restarted: 0,
      abandoned: 0,
      late: 0,
      nextRunInMs: deps.reconciler.intervalMs,
    };
    const states = new Map<string, Promise<'running' | 'closed' | 'missing'>>();
    const ownerState = (owner: string) => {
      if (!states.has(owner)) states.set(owner, deps.workflows.workflowState(owner));
      return states.get(owner)!;
    };
    for (const delivery of overdue) {
      const owner = delivery.owner ?? legacyFanOutWorkflowId(delivery.scope, delivery.eventId);
      if (delivery.isTest || owner === TEST_SEND_OWNER) {
        if (
          await abandonDelivery(deps.db, {
            id: delivery.id,
            from: delivery.owner,
            reason: 'not sent: the test send was interrupted',
          })
        ) {
          result.abandoned += 1;
          deps.metrics.reconciledDeliveries.inc({ action: 'abandoned' });
          deps.logger.warn(
            { deliveryId: delivery.id, eventId: delivery.eventId },
            'interrupted test send settled as failed',
          );
        }
        continue;
      }
      if ((await ownerState(owner)) === 'running') {
        result.late += 1;
        // Its turn came (for its ordering key) but its workflow may never have been told: the one that settled the
        // previous delivery died before telling it, or the turn passed outside a workflow. Telling it again is harmless
        // (never attempted: a delivery whose first attempt was made has long been told).
        if (delivery.ordered && delivery.attemptCount === 0) {
          await deps.workflows.signalTurn(owner, delivery.id);
          result.toldTurns = (result.toldTurns ?? 0) + 1;
        }
        continue;
      }
      if (await restart(deps, delivery)) result.restarted += 1;
    }
    // Scheduled sends, soonest first: their workflow waits on its start delay (running) and is left alone; one
    // that is gone (terminated by hand, lost with the Temporal server's data) is started again for the time left.
    let rescheduled = 0;
    for (const send of await findScheduledSends(deps.db, { limit: SWEEP_LIMIT })) {
      if (send.owner && (await ownerState(send.owner)) === 'running') continue;
      if (await reschedule(deps, send)) rescheduled += 1;
    }
    if (rescheduled > 0) result.rescheduled = rescheduled;
    deps.metrics.lateDeliveries.set(result.late);
    if (result.late > 0)
      deps.logger.info({ late: result.late }, 'overdue deliveries whose workflows are still running (a backlog)');
    return result;
  };
}

async function restart(deps: ReconcileDeps, delivery: OverdueDelivery): Promise<boolean> {
  const owner = resumeWorkflowId(delivery.id, delivery.attemptCount);
  // Hand over first, then start: if the start fails, the next sweep finds the new owner missing and starts it.
  if (!(await handOverDelivery(deps.db, { id: delivery.id, from: delivery.owner, to: owner }))) return false;
  await deps.workflows.startResume({
    scope: delivery.scope,
    eventId: delivery.eventId,
    deliveryId: delivery.id,
    webhookId: delivery.webhookId,
    owner,
    seriesStart: delivery.seriesStart,
    attemptsBefore: delivery.attemptCount,
  });
  deps.metrics.reconciledDeliveries.inc({ action: 'restarted' });
  deps.logger.warn(
    {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      previousOwner: delivery.owner,
      workflowId: owner,
      attempts: delivery.attemptCount,
    },
    'pending delivery had no workflow working on it; restarted',
  );
  return true;
}

async function reschedule(deps: ReconcileDeps, send: ScheduledSend): Promise<boolean> {
  const owner = fanOutWorkflowId(send.scope, send.eventId, newId('publication'));
  // Hand over first, then start: if the start fails, the next sweep finds the new owner missing and starts it.
  const deliveries = await handOverScheduledDeliveries(deps.db, {
    scope: send.scope,
    eventId: send.eventId,
    from: send.owner,
    to: owner,
  });
  if (deliveries.length === 0) return false;
  await deps.workflows.startFanOut(send.scope, {
    id: send.eventId,
    type: send.eventType,
    batches: toBatches(deliveries.map((d) => d.id)),
    workflowId: owner,
    webhookIds: deliveries.map((d) => d.webhookId),
    deliverAt: send.deliverAt,
  });
  deps.metrics.reconciledDeliveries.inc({ action: 'restarted' }, deliveries.length);
  deps.logger.warn(
    {
      eventId: send.eventId,
      previousOwner: send.owner,
      workflowId: owner,
      deliveries: deliveries.length,
      deliverAt: send.deliverAt.toISOString(),
    },
    'scheduled send had no workflow waiting for it; started again for the time left',
  );
  return true;
}
