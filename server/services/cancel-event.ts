import type { Db } from '../db/database.js';
import { cancelScheduledDeliveries, lockDeliveriesOfEvent } from '../db/queries/deliveries.js';
import { lockEvent, markEventCancelled } from '../db/queries/events.js';
import type { DeliveryRow } from '../db/tables/deliveries.table.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { WorkflowGateway } from '../temporal/workflow-gateway.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';

/** A scheduled event withdrawn before it was sent. */
export interface CancelledEvent {
  id: string;
  type: string;
  deliverAt: Date;
  cancelledAt: Date;
  deliveries: DeliveryRow[];
}

/**
 * Withdraws a scheduled event before it is sent: its deliveries become `cancelled` and its fan-out workflow, which
 * Temporal holds back until the event's time, is terminated. Cancelling it again answers the same (and audits
 * nothing new).
 *
 * All or nothing against the event coming due: the transaction locks the event's deliveries and cancels them only
 * if every one is still `scheduled`. The first attempts make them pending in one statement that checks the status
 * on each row, so it either ran first (this finds a delivery no longer scheduled: 409, everything is sent) or waits
 * for this commit and finds them cancelled (nothing is sent). The workflow is terminated after the commit: should
 * that fail, the workflow starts at its time, finds its deliveries cancelled and ends having sent nothing.
 */
export async function cancelScheduledEvent(
  deps: { db: Db; workflows: WorkflowGateway },
  actor: Actor,
  id: string,
): Promise<CancelledEvent> {
  const scope = actor.principal;
  const cancelled = await deps.db.transaction().execute(async (trx) => {
    const event = await lockEvent(trx, scope, id);
    if (!event) throw new NotFoundError('Event', id);
    if (!event.deliverAt) {
      throw new ConflictError(
        `Event ${id} was published for delivery at once, not scheduled; only an event published with deliverAt can be cancelled.`,
      );
    }
    const deliveries = await lockDeliveriesOfEvent(trx, scope, id);
    if (event.cancelledAt) return { ...event, deliverAt: event.deliverAt, cancelledAt: event.cancelledAt, deliveries };
    const sent = deliveries.filter((d) => d.status !== 'scheduled');
    if (sent.length > 0 || (deliveries.length === 0 && event.deliverAt.getTime() <= Date.now())) {
      throw new ConflictError(
        `Event ${id} was already sent at ${event.deliverAt.toISOString()} (its deliveries are no longer scheduled); a sent event cannot be cancelled.`,
      );
    }
    const rows = await cancelScheduledDeliveries(trx, scope, id);
    const cancelledAt = await markEventCancelled(trx, scope, id);
    await audit(trx, actor, {
      action: 'events.cancel',
      entityType: 'event',
      entityId: id,
      before: { status: 'scheduled', deliverAt: event.deliverAt.toISOString(), deliveries: rows.length },
      after: { status: 'cancelled', deliverAt: event.deliverAt.toISOString(), deliveries: rows.length },
    });
    return { id, type: event.type, deliverAt: event.deliverAt, cancelledAt, deliveries: rows.sort(byId) };
  });
  // After the commit; also on a repeated cancel, in case the first one's termination did not get through.
  const owners = new Set(cancelled.deliveries.flatMap((d) => (d.workflow_id ? [d.workflow_id] : [])));
  await Promise.all(
    [...owners].map((owner) => deps.workflows.terminateFanOut(owner, `scheduled event ${id} was cancelled`)),
  );
  return cancelled;
}

function byId(a: DeliveryRow, b: DeliveryRow): number {
  return a.id < b.id ? -1 : 1;
}
