import type { Db } from '../db/database.js';
import type { DeliveryRow } from '../db/tables/deliveries.table.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { newId, newUlid } from '../db/ids.js';
import { findDelivery, reopenDeliveries } from '../db/queries/deliveries.js';
import { findTurnHolders, holdsTurn, skipTurn } from '../db/queries/delivery-order.js';
import { findEventPayload } from '../db/queries/events.js';
import { findWebhook } from '../db/queries/webhooks.js';
import type { RecoveryStatus, WorkflowGateway } from '../temporal/workflow-gateway.js';
import { retryWorkflowId } from '../../workflows/shared.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import type { LoggedDelivery } from './deliveries.js';
import { tellTurns } from './delivery-turns.js';

/** How far back `webhooks.recover` reaches: two weeks, longer than any retry schedule, short enough to stay cheap. */
export const RECOVERY_WINDOW_DAYS = 14;

interface Deps {
  db: Db;
  workflows: WorkflowGateway;
}

/** A new manual series of attempts for one failed delivery, on the usual schedule, as a workflow of its own. */
export async function retryDelivery(deps: Deps, actor: Actor, id: string): Promise<DeliveryRow> {
  const scope = actor.principal;
  return deps.db.transaction().execute(async (trx) => {
    const delivery = await findDelivery(trx, scope, id);
    if (!delivery) throw new NotFoundError('Delivery', id);
    if (delivery.status === 'pending')
      throw new ConflictError(`Delivery ${id} is still being delivered; wait for it to settle.`);
    if (delivery.status === 'succeeded')
      throw new ConflictError(`Delivery ${id} already succeeded; publish a new event to send it again.`);
    if (delivery.status === 'queued')
      throw new ConflictError(
        `Delivery ${id} waits for an earlier event of its ordering key; it is sent once that one settles.`,
      );
    const webhook = await findWebhook(trx, scope, delivery.webhook_id);
    if (!webhook?.active)
      throw new ConflictError(
        `Webhook ${delivery.webhook_id} is deleted or disabled; enable it before retrying its deliveries.`,
      );
    // The delivery belongs to the new workflow from this commit on; the workflow starts last, just before it.
    const owner = retryWorkflowId(id, newUlid());
    const [reopened] = await reopenDeliveries(trx, scope, [id], owner);
    // Checked once the delivery is held (reopened, uncommitted), so a cleanup that drops payloads either finished
    // before this read or sees the delivery pending and keeps the payload.
    if ((await findEventPayload(trx, scope, delivery.event_id)) === null)
      throw new ConflictError(
        `Delivery ${id} cannot be retried: its event's payload is past the retention window and was deleted; publish a new event to send it again.`,
      );
    await audit(trx, actor, {
      action: 'deliveries.retry',
      entityType: 'delivery',
      entityId: id,
      before: { status: delivery.status },
      after: { status: 'pending' },
    });
    await deps.workflows.startRetry({
      scope,
      eventId: delivery.event_id,
      deliveryId: id,
      attemptsBefore: delivery.attempt_count,
      owner,
      webhookId: delivery.webhook_id,
      requestId: actor.requestId ?? undefined,
    });
    return reopened!;
  });
}

/**
 * Lets the ordering key's later deliveries go past a delivery that failed for good and holds them back (its webhook
 * blocks on failure), as if it had succeeded; the delivery itself stays failed. Audited.
 */
export async function skipDelivery(deps: Deps, actor: Actor, id: string): Promise<LoggedDelivery> {
  const scope = actor.principal;
  const delivery = await deps.db.transaction().execute(async (trx) => {
    const delivery = await findDelivery(trx, scope, id);
    if (!delivery) throw new NotFoundError('Delivery', id);
    if (delivery.ordering_key === null || !(await holdsTurn(trx, id, { lock: true })))
      throw new ConflictError(
        `Delivery ${id} holds nothing back: only a failed delivery that blocks its ordering key (its webhook's orderingOnFailure is block) can be skipped.`,
      );
    const next = await skipTurn(trx, { id, webhookId: delivery.webhook_id, orderingKey: delivery.ordering_key });
    await audit(trx, actor, {
      action: 'deliveries.skip',
      entityType: 'delivery',
      entityId: id,
      before: { status: delivery.status, orderingKey: delivery.ordering_key, blocking: true },
      after: { status: delivery.status, orderingKey: delivery.ordering_key, blocking: false, nextDelivery: next },
    });
    return delivery;
  });
  // The turn has passed (committed); waking the next delivery's workflow now saves the reconciler's grace period.
  // If Temporal cannot be reached, the reconciler wakes it: the skip itself stands either way.
  await tellTurns(deps.workflows, await findTurnHolders(deps.db, [id])).catch(() => undefined);
  return { ...delivery, blocking: false };
}

/** Redelivers, once each, every delivery of a webhook that failed since `since`, as a cancellable workflow. */
export async function recoverWebhook(
  deps: Deps,
  actor: Actor,
  input: { id: string; since: Date },
): Promise<{ id: string; webhookId: string; since: string }> {
  const scope = actor.principal;
  const earliest = Date.now() - RECOVERY_WINDOW_DAYS * 86_400_000;
  if (input.since.getTime() < earliest)
    throw InvalidInputError.at(['since'], `must be within the last ${RECOVERY_WINDOW_DAYS} days`);
  if (input.since.getTime() > Date.now()) throw InvalidInputError.at(['since'], 'must not be in the future');
  return deps.db.transaction().execute(async (trx) => {
    const webhook = await findWebhook(trx, scope, input.id);
    if (!webhook) throw new NotFoundError('Webhook', input.id);
    if (!webhook.active)
      throw new ConflictError(`Webhook ${input.id} is disabled; enable it before recovering its deliveries.`);
    const recoveryId = newId('recovery');
    const since = input.since.toISOString();
    await audit(trx, actor, {
      action: 'webhooks.recover',
      entityType: 'webhook',
      entityId: input.id,
      after: { recoveryId, since },
    });
    await deps.workflows.startRecovery(recoveryId, { scope, webhookId: input.id, since });
    return { id: recoveryId, webhookId: input.id, since };
  });
}

export async function recoveryStatus(deps: Deps, actor: Actor, id: string): Promise<RecoveryStatus> {
  const status = await deps.workflows.recoveryStatus(actor.principal, id);
  if (!status) throw new NotFoundError('Recovery', id);
  // An owner's portal sees the recoveries of their own webhooks only.
  if (actor.principal.owner !== undefined && !(await findWebhook(deps.db, actor.principal, status.webhookId)))
    throw new NotFoundError('Recovery', id);
  return status;
}

export async function cancelRecovery(deps: Deps, actor: Actor, id: string): Promise<RecoveryStatus> {
  const status = await recoveryStatus(deps, actor, id);
  if (status.state !== 'running') throw new ConflictError(`Recovery ${id} is already ${status.state}.`);
  await deps.db.transaction().execute(async (trx) => {
    await audit(trx, actor, {
      action: 'recoveries.cancel',
      entityType: 'recovery',
      entityId: id,
      before: { state: 'running' },
      after: { state: 'cancelled' },
    });
    await deps.workflows.cancelRecovery(id);
  });
  return { ...status, state: 'cancelled' };
}
