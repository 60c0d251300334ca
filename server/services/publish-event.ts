import type { Db } from '../db/database.js';
import { ConflictError } from '../errors.js';
import { newId } from '../ids.js';
import { createDeliveriesForEvent, listDeliveriesOfEvent } from '../repositories/deliveries.js';
import { findEvent, insertEventIfNew } from '../repositories/events.js';
import type { PublishedEvent } from '../api/schemas/event.js';
import type { FanOutStarter } from '../temporal/fan-out-starter.js';

export interface PublishEventInput {
  id?: string | undefined;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Stores the event and its deliveries and starts its fan-out workflow, all before the transaction commits: if the
 * workflow cannot be started nothing is stored and the caller can simply retry. The workflow waits for the commit
 * (its first activity retries until the event is visible). Publishing an id again returns the first publication.
 */
export async function publishEvent(deps: { db: Db; fanOut: FanOutStarter }, input: PublishEventInput): Promise<PublishedEvent> {
  const id = input.id ?? newId('event');
  const payloadJson = JSON.stringify(input.data);
  return deps.db.transaction().execute(async (trx) => {
    const event = await insertEventIfNew(trx, { id, type: input.type, payloadJson });
    if (!event) return republished(trx, id, input.type, payloadJson);
    const deliveries = await createDeliveriesForEvent(trx, event);
    // No subscriber, no workflow: nothing would be delivered.
    if (deliveries.length > 0) await deps.fanOut.start({ id, type: event.type, deliveryCount: deliveries.length });
    return {
      id,
      type: event.type,
      createdAt: event.createdAt.toISOString(),
      duplicate: false,
      deliveries: deliveries.map((d) => ({ id: d.id, webhookId: d.webhook_id, status: d.status })),
    };
  });
}

async function republished(db: Db, id: string, type: string, payloadJson: string): Promise<PublishedEvent> {
  const existing = await findEvent(db, id);
  if (!existing) throw new Error(`event ${id} conflicted on insert but cannot be read`);
  if (existing.type !== type || existing.payloadJson !== payloadJson) {
    throw new ConflictError(`Event ${id} was already published with a different type or data; use a new id for a new event.`);
  }
  const deliveries = await listDeliveriesOfEvent(db, id);
  return {
    id,
    type: existing.type,
    createdAt: existing.createdAt.toISOString(),
    duplicate: true,
    deliveries: deliveries.map((d) => ({ id: d.id, webhookId: d.webhook_id, status: d.status })),
  };
}
