import { type ExpressionBuilder, sql } from 'kysely';
import type { Scope } from '../scope.js';
import { matchingPatterns, patternMatches } from '../subscription-patterns.js';
import type { Database, Db } from '../database.js';
import { deliveriesInScope, inWindow, webhooksInScope } from './filters.js';
import type { DeliveryAttemptRow } from '../tables/delivery-attempts.table.js';
import type { DeliveryRow, DeliveryStatus, StatusClass } from '../tables/deliveries.table.js';
import { newIds } from '../ids.js';
import type { PayloadFilter } from '../payload-filter.js';
import { queueInOrder } from './delivery-order.js';

/**
 * Creates one pending delivery per live webhook of the scope subscribed to each event's type (exactly or by
 * wildcard): one query finds the subscribers of every type at once (GIN index on `webhooks.events`), one insert
 * writes all the deliveries. Ids ascend in creation order, so each event's deliveries come back sorted.
 *
 * A subscriber with a payload filter gets a delivery only for the events `admits` lets through; the query returns
 * the filter with the subscriber (null for most), so webhooks without one cost nothing more.
 *
 * An event with a `deliverAt` gets `scheduled` deliveries, due then, every one owned by its workflow: whether its
 * webhook is paused is decided when it is sent, not now.
 *
 * An event with an ordering key takes its place in its key's queue at each webhook (`queueInOrder`): pending if its
 * turn has come, else `queued`. It is never parked here: only the delivery whose turn it is parks (when attempted),
 * so a paused webhook holds the key back and its queue goes on in order once the webhook is back.
 */
export async function createDeliveriesForEvents<
  E extends {
    id: string;
    type: string;
    owner: string | null;
    deliverAt?: Date | null | undefined;
    orderingKey?: string | null | undefined;
  },
>(
  db: Db,
  scope: Scope,
  events: E[],
  options: {
    onlyWebhookId?: string;
    exceptWebhookId?: string;
    admits?: (filter: PayloadFilter, event: E) => boolean;
  } = {},
): Promise<Map<string, DeliveryRow[]>> {
  const byEvent = new Map<string, DeliveryRow[]>(events.map((event) => [event.id, []]));
  if (events.length === 0) return byEvent;
  const patterns = [...new Set(events.flatMap((event) => matchingPatterns(event.type)))];
  let query = db
    .selectFrom('webhooks')
    .select(['id', 'events', 'payload_filter', sql<boolean>`paused OR disabled_reason IS NOT NULL`.as('parks')])
    .where(webhooksInScope(scope))
    .where('deleted_at', 'is', null);
  // Herald's own notices about a webhook go to the others, never to the webhook they are about.
  if (options.exceptWebhookId) query = query.where('id', '!=', options.exceptWebhookId);
  // A test send goes to its one webhook, enabled or not; real events only to enabled subscribers.
  query = options.onlyWebhookId
    ? query.where('id', '=', options.onlyWebhookId)
    : query.where('active', '=', true).where(sql<boolean>`events && ${patterns}::text[]`);
  const webhooks = await query.orderBy('id').execute();
  const pairs = events.flatMap((event) =>
    webhooks
      .filter((w) => options.onlyWebhookId || w.events.some((pattern) => patternMatches(pattern, event.type)))
      .filter((w) => w.payload_filter === null || !options.admits || options.admits(w.payload_filter, event))
      .map((w) => ({
        event,
        webhookId: w.id,
        parks: w.parks && !options.onlyWebhookId && !event.deliverAt && !event.orderingKey,
      })),
  );
  if (pairs.length === 0) return byEvent;
  const ids = newIds('delivery', pairs.length);
  // Due at once, and owned by the workflow that the same transaction starts (none for test sends); a delivery to a
  // paused or Herald-disabled webhook is parked at once, owned by nobody, until the webhook is back.
  const { rows } = await sql<DeliveryRow>`
    INSERT INTO deliveries (id, workspace_id, mode, event_id, event_type, webhook_id, workflow_id, next_attempt_at, status)
    SELECT id, ${scope.workspaceId}, ${scope.mode}, event_id, event_type, webhook_id,
           CASE WHEN parks THEN NULL ELSE workflow_id END, CASE WHEN parks THEN NULL ELSE coalesce(deliver_at, now()) END,
           CASE WHEN parks THEN 'parked' WHEN deliver_at IS NOT NULL THEN 'scheduled' ELSE 'pending' END
      FROM unnest(${ids}::text[], ${pairs.map((p) => p.event.id)}::text[], ${pairs.map((p) => p.event.type)}::text[],
                  ${pairs.map((p) => p.webhookId)}::text[], ${pairs.map((p) => p.event.owner)}::text[],
                  ${pairs.map((p) => p.parks)}::boolean[],
                  ${pairs.map((p) => p.event.deliverAt?.toISOString() ?? null)}::timestamptz[])
           AS d(id, event_id, event_type, webhook_id, workflow_id, parks, deliver_at)
    RETURNING *`.execute(db);
  const keyed = pairs.flatMap((p, i) =>
    p.event.orderingKey ? [{ id: ids[i]!, webhookId: p.webhookId, orderingKey: p.event.orderingKey }] : [],
  );
  const places = await queueInOrder(db, keyed);
  const keys = new Map(keyed.map((k) => [k.id, k.orderingKey]));
  for (const row of rows.sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const place = places.get(row.id);
    const stored = place
      ? { ...row, status: place.status, ordering_key: keys.get(row.id)!, ordering_seq: place.orderingSeq }
      : row;
    byEvent.get(row.event_id)!.push(stored);
  }
  return byEvent;
}

export async function listDeliveriesOfEvents(db: Db, scope: Scope, eventIds: string[]): Promise<DeliveryRow[]> {
  if (eventIds.length === 0) return [];
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where(deliveriesInScope(scope))
    .where('event_id', 'in', eventIds)
    .orderBy('id')
    .execute();
}

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
  let query = db.selectFrom('deliveries').selectAll().where(deliveriesInScope(scope));
  if (filter.webhookId) query = query.where('webhook_id', '=', filter.webhookId);
  if (filter.eventId) query = query.where('event_id', '=', filter.eventId);
  if (filter.eventType) query = query.where('event_type', '=', filter.eventType);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.statusClass) query = query.where('status_class', '=', filter.statusClass);
  return query
    .where(inWindow('delivery', 'created_at', filter))
    .orderBy('id', 'desc')
    .limit(filter.limit);
}

export async function findDelivery(db: Db, scope: Scope, id: string): Promise<DeliveryRow | undefined> {
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where('id', '=', id)
    .where(deliveriesInScope(scope))
    .executeTakeFirst();
}

export async function listAttempts(db: Db, deliveryId: string): Promise<DeliveryAttemptRow[]> {
  return db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt_number')
    .execute();
}

/**
 * Failed deliveries become pending again, due now, owned by `owner` (the workflow that will attempt them), with a
 * new series starting at their attempt count. Deliveries `owner` already reopened (an activity run again) are
 * returned too. Returns the deliveries `owner` now holds.
 */
export async function reopenDeliveries(db: Db, scope: Scope, ids: string[], owner: string): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return db
    .updateTable('deliveries')
    .set({
      status: 'pending',
      workflow_id: owner,
      next_attempt_at: sql<Date>`now()`,
      series_start: sql<number>`CASE WHEN status = 'failed' THEN attempt_count ELSE series_start END`,
      updated_at: sql<Date>`now()`,
    })
    .where(deliveriesInScope(scope))
    .where('id', 'in', ids)
    .where((eb) =>
      eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'pending'), eb('workflow_id', '=', owner)])]),
    )
    .returningAll()
    .execute();
}

/** The delivery's event still has its payload: once retention dropped it, there is nothing to send. */
const payloadKept = ({ exists, selectFrom }: ExpressionBuilder<Database, 'deliveries'>) =>
  exists(
    selectFrom('events as e')
      .select('e.id')
      .whereRef('e.workspace_id', '=', 'deliveries.workspace_id')
      .whereRef('e.mode', '=', 'deliveries.mode')
      .whereRef('e.id', '=', 'deliveries.event_id')
      .where('e.payload', 'is not', null),
  );

/** A page of a webhook's failed deliveries created since `since` whose event has its payload, oldest first, after `afterId`. */
export async function listFailedDeliveries(
  db: Db,
  scope: Scope,
  args: { webhookId: string; since: Date; afterId?: string | undefined; limit: number },
): Promise<Array<{ id: string; eventId: string }>> {
  let query = db
    .selectFrom('deliveries')
    .select(['id', 'event_id'])
    .where(deliveriesInScope(scope))
    .where('webhook_id', '=', args.webhookId)
    .where('status', '=', 'failed')
    .where(inWindow('delivery', 'created_at', { from: args.since }))
    .where(payloadKept);
  if (args.afterId) query = query.where('id', '>', args.afterId);
  const rows = await query.orderBy('id').limit(args.limit).execute();
  return rows.map((row) => ({ id: row.id, eventId: row.event_id }));
}

export async function countFailedDeliveries(
  db: Db,
  scope: Scope,
  args: { webhookId: string; since: Date },
): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(deliveriesInScope(scope))
    .where('webhook_id', '=', args.webhookId)
    .where('status', '=', 'failed')
    .where(inWindow('delivery', 'created_at', { from: args.since }))
    .where(payloadKept)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A pending delivery past its due time with no attempt holding it. */
export interface OverdueDelivery {
  id: string;
  webhookId: string;
  scope: Scope;
  eventId: string;
  owner: string | null;
  attemptCount: number;
  seriesStart: number;
  isTest: boolean;
  /** Its event has an ordering key: a running owner may be waiting to be told its turn came. */
  ordered: boolean;
}

/**
 * Pending deliveries whose next attempt was due more than `graceMs` ago and that no attempt holds: either their
 * workflow is late (a backlog, a worker restart) or nothing will ever attempt them. The reconciler asks Temporal
 * which. Oldest first, served by the partial index on pending deliveries.
 */
export async function findOverdueDeliveries(
  db: Db,
  args: { graceMs: number; limit: number },
): Promise<OverdueDelivery[]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', (join) =>
      join
        .onRef('e.workspace_id', '=', 'd.workspace_id')
        .onRef('e.mode', '=', 'd.mode')
        .onRef('e.id', '=', 'd.event_id'),
    )
    .select([
      'd.id',
      'd.webhook_id',
      'd.workspace_id',
      'd.mode',
      'd.event_id',
      'd.workflow_id',
      'd.attempt_count',
      'd.series_start',
      'e.is_test',
      sql<boolean>`d.ordering_key IS NOT NULL`.as('ordered'),
    ])
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<', sql<Date>`now() - ${args.graceMs} * interval '1 ms'`)
    .where((eb) => eb.or([eb('d.lease_expires_at', 'is', null), eb('d.lease_expires_at', '<', sql<Date>`now()`)]))
    .orderBy('d.next_attempt_at')
    .limit(args.limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    webhookId: row.webhook_id,
    scope: { workspaceId: row.workspace_id, mode: row.mode },
    eventId: row.event_id,
    owner: row.workflow_id,
    attemptCount: row.attempt_count,
    seriesStart: row.series_start,
    isTest: row.is_test,
    ordered: row.ordered,
  }));
}

/**
 * Gives a pending delivery to a new owner, if it still belongs to `from` and no attempt holds it. The old owner
 * can no longer attempt it, so a late run of it never doubles the new one. Returns false when the delivery moved on.
 */
export async function handOverDelivery(
  db: Db,
  args: { id: string; from: string | null; to: string },
): Promise<boolean> {
  const result = await db
    .updateTable('deliveries')
    .set({ workflow_id: args.to, updated_at: sql<Date>`now()` })
    .where('id', '=', args.id)
    .where('status', '=', 'pending')
    .where(sql<boolean>`workflow_id IS NOT DISTINCT FROM ${args.from}`)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', sql<Date>`now()`)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Settles a pending delivery that nothing will attempt again (an interrupted test send). */
export async function abandonDelivery(
  db: Db,
  args: { id: string; from: string | null; reason: string },
): Promise<boolean> {
  const result = await db
    .updateTable('deliveries')
    .set({ status: 'failed', last_error: args.reason, next_attempt_at: null, updated_at: sql<Date>`now()` })
    .where('id', '=', args.id)
    .where('status', '=', 'pending')
    .where(sql<boolean>`workflow_id IS NOT DISTINCT FROM ${args.from}`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * The scheduled deliveries of a fan-out batch become pending, due now: their workflow has started, at the time
 * they were scheduled for. One that was cancelled meanwhile stays cancelled: the status is checked on the row being
 * updated, so a cancel holding the rows is waited for and its outcome respected (never half of an event sent).
 */
export async function activateScheduledDeliveries(
  db: Db,
  range: { scope: Scope; eventId: string; fromId: string; toId: string; owner: string | null },
): Promise<number> {
  const result = await db
    .updateTable('deliveries')
    .set({ status: 'pending', next_attempt_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where(deliveriesInScope(range.scope))
    .where('event_id', '=', range.eventId)
    .where('id', '>=', range.fromId)
    .where('id', '<=', range.toId)
    .where(sql<boolean>`workflow_id IS NOT DISTINCT FROM ${range.owner}`)
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The deliveries of an event, locked until the transaction ends (a cancel, against the first attempts). */
export async function lockDeliveriesOfEvent(db: Db, scope: Scope, eventId: string): Promise<DeliveryRow[]> {
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where(deliveriesInScope(scope))
    .where('event_id', '=', eventId)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Cancels an event's scheduled deliveries; returns them as they now stand. */
export async function cancelScheduledDeliveries(db: Db, scope: Scope, eventId: string): Promise<DeliveryRow[]> {
  return db
    .updateTable('deliveries')
    .set({
      status: 'cancelled',
      next_attempt_at: null,
      last_error: 'cancelled before it was sent',
      updated_at: sql<Date>`now()`,
    })
    .where(deliveriesInScope(scope))
    .where('event_id', '=', eventId)
    .where('status', '=', 'scheduled')
    .returningAll()
    .execute();
}

/** A fan-out workflow holding scheduled deliveries back: the event, the owner, and when they are to be sent. */
export interface ScheduledSend {
  scope: Scope;
  eventId: string;
  eventType: string;
  owner: string | null;
  deliverAt: Date;
  deliveries: Array<{ id: string; webhookId: string }>;
}

/**
 * The scheduled sends due soonest, one per event and owner, for the reconciler to check that their workflow still
 * waits. Served by the partial index on scheduled deliveries; `limit` bounds the deliveries read.
 */
export async function findScheduledSends(db: Db, args: { limit: number }): Promise<ScheduledSend[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['id', 'workspace_id', 'mode', 'event_id', 'event_type', 'webhook_id', 'workflow_id', 'next_attempt_at'])
    .where('status', '=', 'scheduled')
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(args.limit)
    .execute();
  const sends = new Map<string, ScheduledSend>();
  for (const row of rows) {
    const key = JSON.stringify([row.workspace_id, row.mode, row.event_id, row.workflow_id]);
    let send = sends.get(key);
    if (!send) {
      send = {
        scope: { workspaceId: row.workspace_id, mode: row.mode },
        eventId: row.event_id,
        eventType: row.event_type,
        owner: row.workflow_id,
        deliverAt: row.next_attempt_at ?? new Date(),
        deliveries: [],
      };
      sends.set(key, send);
    }
    send.deliveries.push({ id: row.id, webhookId: row.webhook_id });
  }
  return [...sends.values()];
}

/**
 * Gives an event's scheduled deliveries held by `from` to a new owner (a new fan-out workflow, when the old one is
 * gone). Returns the ids handed over, in order; a delivery cancelled or started meanwhile stays where it is.
 */
export async function handOverScheduledDeliveries(
  db: Db,
  args: { scope: Scope; eventId: string; from: string | null; to: string },
): Promise<Array<{ id: string; webhookId: string }>> {
  const rows = await db
    .updateTable('deliveries')
    .set({ workflow_id: args.to, updated_at: sql<Date>`now()` })
    .where(deliveriesInScope(args.scope))
    .where('event_id', '=', args.eventId)
    .where('status', '=', 'scheduled')
    .where(sql<boolean>`workflow_id IS NOT DISTINCT FROM ${args.from}`)
    .returning(['id', 'webhook_id'])
    .execute();
  return rows.map((row) => ({ id: row.id, webhookId: row.webhook_id })).sort((a, b) => (a.id < b.id ? -1 : 1));
}

export interface DeliveryBacklog {
  pending: number;
  parked: number;
  /** Held for a later time (a scheduled send): neither late nor waiting on a retry. */
  scheduled: number;
  /** Waiting for an earlier event of their ordering key to settle. */
  queued: number;
  /** Age of the oldest pending delivery, in seconds; 0 when none waits. */
  oldestPendingSeconds: number;
  /** Webhooks Herald disabled (gone or failing) and not yet enabled again. */
  disabledWebhooks: number;
}

/**
 * What waits, for the gauges scraped from /metrics: pending, parked, scheduled and queued deliveries each come from their
 * partial index, so a scrape never reads the delivery history.
 */
export async function deliveryBacklog(db: Db): Promise<DeliveryBacklog> {
  const { rows } = await sql<{
    pending: string;
    parked: string;
    scheduled: string;
    queued: string;
    oldest: number | null;
    disabled: string;
  }>`
    SELECT (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending,
           (SELECT count(*) FROM deliveries WHERE status = 'parked') AS parked,
           (SELECT count(*) FROM deliveries WHERE status = 'scheduled') AS scheduled,
           (SELECT count(*) FROM deliveries WHERE status = 'queued') AS queued,
           (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM deliveries WHERE status = 'pending') AS oldest,
           (SELECT count(*) FROM webhooks WHERE disabled_reason IS NOT NULL AND deleted_at IS NULL) AS disabled
  `.execute(db);
  const row = rows[0]!;
  return {
    pending: Number(row.pending),
    parked: Number(row.parked),
    scheduled: Number(row.scheduled),
    queued: Number(row.queued),
    oldestPendingSeconds: row.oldest ?? 0,
    disabledWebhooks: Number(row.disabled),
  };
}
