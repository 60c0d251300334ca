import type { Db } from '../db/database.js';
import { type DeliveryFilter, findDelivery, listAttempts, listDeliveries } from '../db/queries/deliveries.js';
import { blockingAmong, holdsTurn } from '../db/queries/delivery-order.js';
import { findEventPayload } from '../db/queries/events.js';
import { findWebhook } from '../db/queries/webhooks.js';
import type { Scope } from '../db/scope.js';
import type { DeliveryAttemptRow } from '../db/tables/delivery-attempts.table.js';
import type { DeliveryRow } from '../db/tables/deliveries.table.js';
import { NotFoundError } from '../errors.js';
import { fetchPage, type Page } from './page.js';

/** The delivery log's filters, as the API takes them once parsed. */
export type DeliveryLogQuery = Omit<DeliveryFilter, 'limit'> & { limit: number };

/**
 * A delivery as the log shows it: `blocking` when it failed for good and holds its ordering key's later deliveries
 * back (its webhook blocks on failure) until it is retried or skipped.
 */
export type LoggedDelivery = DeliveryRow & { blocking: boolean };

/** The delivery log of a scope, newest first, filtered by webhook, event, status, status class, type and time. */
export async function listDeliveryLog(
  deps: { db: Db },
  scope: Scope,
  query: DeliveryLogQuery,
): Promise<Page<LoggedDelivery>> {
  const page = await fetchPage(query, (limit) => listDeliveries(deps.db, scope, { ...query, limit }));
  // Only failed deliveries with a key can block: a page without any costs no query.
  const candidates = page.items.filter((d) => d.ordering_key !== null && d.status === 'failed').map((d) => d.id);
  const blocking = await blockingAmong(deps.db, candidates);
  return { ...page, items: page.items.map((d) => ({ ...d, blocking: blocking.has(d.id) })) };
}

/** One webhook's delivery log; a webhook that does not exist (or was deleted) is a 404, not an empty page. */
export async function webhookDeliveryLog(
  deps: { db: Db },
  scope: Scope,
  webhookId: string,
  query: DeliveryLogQuery,
): Promise<Page<LoggedDelivery>> {
  if (!(await findWebhook(deps.db, scope, webhookId))) throw new NotFoundError('Webhook', webhookId);
  return listDeliveryLog(deps, scope, { ...query, webhookId });
}

/**
 * A delivery with its event's payload (JSON text; null once past the payload retention window) and every attempt,
 * oldest first.
 */
export async function getDelivery(
  deps: { db: Db },
  scope: Scope,
  id: string,
): Promise<{ delivery: LoggedDelivery; payloadJson: string | null; attempts: DeliveryAttemptRow[] }> {
  // One snapshot for both reads: an attempt that completes between them would otherwise show its outcome beside a
  // delivery row from before it (the previous attempt's next-attempt time, say).
  return deps.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const delivery = await findDelivery(trx, scope, id);
      if (!delivery) throw new NotFoundError('Delivery', id);
      const payloadJson = (await findEventPayload(trx, scope, delivery.event_id)) ?? null;
      const blocking = delivery.ordering_key !== null && (await holdsTurn(trx, id));
      return { delivery: { ...delivery, blocking }, payloadJson, attempts: await listAttempts(trx, id) };
    });
}
