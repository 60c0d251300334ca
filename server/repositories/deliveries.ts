import { sql } from 'kysely';
import type { Scope } from '../auth/permissions.js';
import { matchingPatterns, patternMatches } from '../catalog/subscription-patterns.js';
import type { Db } from '../db/database.js';
import type { DeliveryAttemptRow } from '../db/tables/delivery-attempts.table.js';
import type { DeliveryRow, DeliveryStatus } from '../db/tables/deliveries.table.js';
import { idFloorAt, newIds } from '../ids.js';

/**
 * Creates one pending delivery per live webhook of the scope subscribed to each event's type (exactly or by
 * wildcard): one query finds the subscribers of every type at once (GIN index on `webhooks.events`), one insert
 * writes all the deliveries. Ids ascend in creation order, so each event's deliveries come back sorted.
 */
export async function createDeliveriesForEvents(
  db: Db,
  scope: Scope,
  events: Array<{ id: string; type: string }>,
  options: { onlyWebhookId?: string } = {},
): Promise<Map<string, DeliveryRow[]>> {
  const byEvent = new Map<string, DeliveryRow[]>(events.map((event) => [event.id, []]));
  if (events.length === 0) return byEvent;
  const patterns = [...new Set(events.flatMap((event) => matchingPatterns(event.type)))];
  let query = db
    .selectFrom('webhooks')
    .select(['id', 'events'])
    .where('workspace_id', '=', scope.workspaceId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null);
  // A test send goes to its one webhook, enabled or not; real events only to enabled subscribers.
  query = options.onlyWebhookId
    ? query.where('id', '=', options.onlyWebhookId)
    : query.where('active', '=', true).where(sql<boolean>`events && ${patterns}::text[]`);
  const webhooks = await query.orderBy('id').execute();
  const pairs = events.flatMap((event) =>
    webhooks
      .filter((w) => options.onlyWebhookId || w.events.some((pattern) => patternMatches(pattern, event.type)))
      .map((w) => ({ event, webhookId: w.id })),
  );
  if (pairs.length === 0) return byEvent;
  const ids = newIds('delivery', pairs.length);
  const { rows } = await sql<DeliveryRow>`
    INSERT INTO deliveries (id, workspace_id, mode, event_id, event_type, webhook_id)
    SELECT id, ${scope.workspaceId}, ${scope.mode}, event_id, event_type, webhook_id
      FROM unnest(${ids}::text[], ${pairs.map((p) => p.event.id)}::text[], ${pairs.map((p) => p.event.type)}::text[],
                  ${pairs.map((p) => p.webhookId)}::text[]) AS d(id, event_id, event_type, webhook_id)
    RETURNING *`.execute(db);
  for (const row of rows.sort((a, b) => (a.id < b.id ? -1 : 1))) byEvent.get(row.event_id)!.push(row);
  return byEvent;
}

export async function listDeliveriesOfEvents(db: Db, scope: Scope, eventIds: string[]): Promise<DeliveryRow[]> {
  if (eventIds.length === 0) return [];
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where('workspace_id', '=', scope.workspaceId)
    .where('mode', '=', scope.mode)
    .where('event_id', 'in', eventIds)
    .orderBy('id')
    .execute();
}

export const statusClasses = ['2xx', '3xx', '4xx', '5xx', 'network'] as const;
export type StatusClass = (typeof statusClasses)[number];

export interface DeliveryFilter {
  webhookId?: string | undefined;
  eventId?: string | undefined;
  eventType?: string | undefined;
  status?: DeliveryStatus | undefined;
  /** Of the last attempt: its HTTP status class, or `network` when it got no HTTP answer at all. */
  statusClass?: StatusClass | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Newest first; `cursor` is the id of the last delivery of the previous page. */
export async function listDeliveries(db: Db, scope: Scope, filter: DeliveryFilter): Promise<DeliveryRow[]> {
  return deliveryLogQuery(db, scope, filter).execute();
}

/**
 * The delivery-log query itself, so the benchmark can EXPLAIN exactly what the API runs. Ids begin with their
 * creation time, so `from` is also an id bound and every variant walks an index in id order.
 */
export function deliveryLogQuery(db: Db, scope: Scope, filter: DeliveryFilter) {
  let query = db.selectFrom('deliveries').selectAll().where('workspace_id', '=', scope.workspaceId).where('mode', '=', scope.mode);
  if (filter.webhookId) query = query.where('webhook_id', '=', filter.webhookId);
  if (filter.eventId) query = query.where('event_id', '=', filter.eventId);
  if (filter.eventType) query = query.where('event_type', '=', filter.eventType);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.statusClass) query = query.where('status_class', '=', filter.statusClass);
  if (filter.from) query = query.where('id', '>=', idFloorAt('delivery', filter.from)).where('created_at', '>=', filter.from);
  if (filter.to) query = query.where('created_at', '<=', filter.to);
  if (filter.cursor) query = query.where('id', '<', filter.cursor);
  return query.orderBy('id', 'desc').limit(filter.limit);
}

export async function findDelivery(db: Db, scope: Scope, id: string): Promise<DeliveryRow | undefined> {
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where('id', '=', id)
    .where('workspace_id', '=', scope.workspaceId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
}

export async function listAttempts(db: Db, deliveryId: string): Promise<DeliveryAttemptRow[]> {
  return db.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt_number').execute();
}

/** Failed deliveries become pending again for a manual attempt; returns those that were failed. */
export async function reopenDeliveries(db: Db, scope: Scope, ids: string[]): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return db
    .updateTable('deliveries')
    .set({ status: 'pending', updated_at: sql<Date>`now()` })
    .where('workspace_id', '=', scope.workspaceId)
    .where('mode', '=', scope.mode)
    .where('id', 'in', ids)
    .where('status', '=', 'failed')
    .returningAll()
    .execute();
}

/** A page of a webhook's failed deliveries created since `since`, oldest first, after `afterId`. */
export async function listFailedDeliveries(
  db: Db,
  scope: Scope,
  args: { webhookId: string; since: Date; afterId?: string | undefined; limit: number },
): Promise<Array<{ id: string; eventId: string }>> {
  let query = db
    .selectFrom('deliveries')
    .select(['id', 'event_id'])
    .where('workspace_id', '=', scope.workspaceId)
    .where('mode', '=', scope.mode)
    .where('webhook_id', '=', args.webhookId)
    .where('status', '=', 'failed')
    .where('id', '>=', idFloorAt('delivery', args.since))
    .where('created_at', '>=', args.since);
  if (args.afterId) query = query.where('id', '>', args.afterId);
  const rows = await query.orderBy('id').limit(args.limit).execute();
  return rows.map((row) => ({ id: row.id, eventId: row.event_id }));
}

export async function countFailedDeliveries(db: Db, scope: Scope, args: { webhookId: string; since: Date }): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', scope.workspaceId)
    .where('mode', '=', scope.mode)
    .where('webhook_id', '=', args.webhookId)
    .where('status', '=', 'failed')
    .where('id', '>=', idFloorAt('delivery', args.since))
    .where('created_at', '>=', args.since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
