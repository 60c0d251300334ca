import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { DeliveryAttemptRow } from '../db/tables/delivery-attempts.table.js';
import type { DeliveryRow, DeliveryStatus } from '../db/tables/deliveries.table.js';
import { newIds } from '../ids.js';

export type DeliveryWithType = DeliveryRow & { event_type: string };

/**
 * Creates one pending delivery per live webhook subscribed to the event's type, in one multi-row insert
 * (the subscriber lookup uses the GIN index on `webhooks.events`).
 */
export async function createDeliveriesForEvent(db: Db, event: { id: string; type: string }): Promise<DeliveryRow[]> {
  const webhooks = await db
    .selectFrom('webhooks')
    .select('id')
    .where('deleted_at', 'is', null)
    .where('active', '=', true)
    .where(sql<boolean>`events @> ARRAY[${event.type}]::text[]`)
    .orderBy('id')
    .execute();
  if (webhooks.length === 0) return [];
  const ids = newIds('delivery', webhooks.length);
  return db
    .insertInto('deliveries')
    .values(webhooks.map((webhook, i) => ({ id: ids[i]!, event_id: event.id, webhook_id: webhook.id })))
    .returningAll()
    .execute();
}

export async function listDeliveriesOfEvent(db: Db, eventId: string): Promise<DeliveryRow[]> {
  return db.selectFrom('deliveries').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
}

export interface DeliveryFilter {
  webhookId?: string | undefined;
  eventId?: string | undefined;
  status?: DeliveryStatus | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Newest first; `cursor` is the id of the last delivery of the previous page. */
export async function listDeliveries(db: Db, filter: DeliveryFilter): Promise<DeliveryWithType[]> {
  return deliveryLogQuery(db, filter).execute();
}

/** The delivery-log query itself, so the benchmark can EXPLAIN exactly what the API runs. */
export function deliveryLogQuery(db: Db, filter: DeliveryFilter) {
  let query = db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select('e.type as event_type');
  if (filter.webhookId) query = query.where('d.webhook_id', '=', filter.webhookId);
  if (filter.eventId) query = query.where('d.event_id', '=', filter.eventId);
  if (filter.status) query = query.where('d.status', '=', filter.status);
  if (filter.cursor) query = query.where('d.id', '<', filter.cursor);
  return query.orderBy('d.id', 'desc').limit(filter.limit);
}

export async function findDelivery(db: Db, id: string): Promise<DeliveryWithType | undefined> {
  return db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select('e.type as event_type')
    .where('d.id', '=', id)
    .executeTakeFirst();
}

export async function listAttempts(db: Db, deliveryId: string): Promise<DeliveryAttemptRow[]> {
  return db.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt_number').execute();
}
