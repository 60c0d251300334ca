import type { Scope } from '../db/scope.js';
import type { Db } from '../db/database.js';
import type { DeliveryRow } from '../db/tables/deliveries.table.js';
import { ConflictError, InvalidInputError } from '../errors.js';
import { newId } from '../db/ids.js';
import { createDeliveriesForEvents, listDeliveriesOfEvents } from '../db/queries/deliveries.js';
import { findEvents, insertEventsIfNew, type StoredEvent } from '../db/queries/events.js';
import { holdPublicationLocks } from '../db/queries/publication-locks.js';
import type { WorkflowGateway } from '../temporal/workflow-gateway.js';
import { toBatches } from '../../workflows/shared.js';
import { filterAdmits } from '../delivery/payload-filter.js';
import { checkPublishable, loadCatalog } from './catalog.js';

/** One event as published: stored now, or found from an earlier publication of the same id (`duplicate`). */
export interface Publication {
  event: StoredEvent;
  duplicate: boolean;
  deliveries: DeliveryRow[];
}

export interface PublishEventInput {
  id?: string | undefined;
  type: string;
  data: Record<string, unknown>;
  /** Deliver then instead of now (a scheduled send); a time already past means now. */
  deliverAt?: Date | undefined;
  /** Deliver to each webhook after the events published before with the same key, one at a time. */
  orderingKey?: string | undefined;
}

/** The horizon when none is configured (Herald's own notices, which are never scheduled). */
const DEFAULT_HORIZON_MS = 30 * 86_400_000;

/**
 * When an event is to be sent: undefined for now (no time, or one already past), else the time, which must lie
 * within the horizon. A `deliverAt` beyond it is refused as invalid input, at the event's path in a batch.
 */
export function scheduledTime(
  deliverAt: Date | undefined,
  horizonMs: number,
  path: string[],
  now = Date.now(),
): Date | undefined {
  if (!deliverAt || deliverAt.getTime() <= now) return undefined;
  if (deliverAt.getTime() > now + horizonMs) {
    throw InvalidInputError.at(
      [...path, 'deliverAt'],
      `must be at most ${formatHorizon(horizonMs)} ahead (until ${new Date(now + horizonMs).toISOString()}); the server's horizon is HERALD_SCHEDULE_HORIZON`,
    );
  }
  return deliverAt;
}

function formatHorizon(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Math.round(ms / 60_000)}m`;
}

/**
 * Stores events and their deliveries and starts one fan-out workflow per event, all inside one transaction: the
 * workflows are started (concurrently) before it commits, so if Temporal cannot take them nothing is stored and
 * the caller simply retries. A workflow that runs before the commit waits for it (on the publication lock this
 * transaction holds). An id published before returns its first publication and delivers nothing new.
 *
 * Every publishing transaction has its own publication id, which names the workflows it starts, and its
 * deliveries are stored as owned by those workflows. Whatever the order of start, commit and crash:
 * - commit after start: the workflow finds its deliveries and delivers them;
 * - rollback (or crash) after start: the workflow owns nothing, finds nothing and ends; a retry of the publish
 *   is a new transaction with a new publication id, so its workflow is a new one, never the orphan;
 * - start failed: nothing is stored, the caller gets an error and retries;
 * - commit succeeded but the answer was lost: the retry finds the event stored and answers `duplicate`.
 */
export async function publishEvents(
  deps: { db: Db; workflows: WorkflowGateway; scheduleHorizonMs?: number },
  scope: Scope,
  inputs: PublishEventInput[],
  options: {
    /** Herald's own notices (`webhook.failing`, `webhook.disabled`): outside any catalog, never to `about`. */
    notice?: { about: string };
    /** The API request publishing, carried into the fan-outs' logs; the events of one batch share it. */
    requestId?: string | undefined;
  } = {},
): Promise<Publication[]> {
  const now = Date.now();
  const pathOf = (i: number) => (inputs.length > 1 ? ['events', String(i)] : []);
  const events = inputs.map((input, i) => ({
    id: input.id ?? newId('event'),
    type: input.type,
    payloadJson: JSON.stringify(input.data),
    deliverAt: scheduledTime(input.deliverAt, deps.scheduleHorizonMs ?? DEFAULT_HORIZON_MS, pathOf(i), now),
    orderingKey: input.orderingKey,
  }));
  return deps.db.transaction().execute(async (trx) => {
    if (!options.notice) {
      const catalog = await loadCatalog(trx, scope.workspaceId);
      inputs.forEach((input, i) => checkPublishable(catalog, input, inputs.length > 1 ? ['events', String(i)] : []));
    }
    const inserted = await insertEventsIfNew(trx, scope, events);
    const fresh = new Set(inserted.map((event) => event.id));
    await holdPublicationLocks(trx, scope, [...fresh]);
    // Conflicts first: a batch that fails must not have started any workflow.
    const repeated = await republished(
      trx,
      scope,
      events.filter((event) => !fresh.has(event.id)),
    );
    const publicationId = newId('publication');
    const data = new Map(events.map((event, i) => [event.id, inputs[i]!.data]));
    const owned = inserted.map((event) => ({
      ...event,
      owner: deps.workflows.fanOutWorkflowId(scope, event.id, publicationId),
    }));
    // Payload filters are decided here, in the transaction that writes the deliveries: a filtered-out event gets
    // no delivery row and its workflow never hears of the webhook.
    const deliveries = await createDeliveriesForEvents(trx, scope, owned, {
      exceptWebhookId: options.notice?.about,
      admits: (filter, event) => filterAdmits(filter, { type: event.type, data: data.get(event.id) }),
    });
    // No subscriber, no workflow: nothing would be delivered. The starts come last, just before the commit.
    await Promise.all(
      owned.map((event) => {
        // Deliveries to a paused or disabled webhook are parked at once; only the others need a workflow. A
        // scheduled event's workflow is started now too, held back by Temporal until its time; a queued delivery's
        // workflow waits for its turn.
        const pending = deliveries
          .get(event.id)!
          .filter((d) => d.status === 'pending' || d.status === 'scheduled' || d.status === 'queued');
        if (pending.length === 0) return undefined;
        return deps.workflows.startFanOut(scope, {
          id: event.id,
          type: event.type,
          batches: toBatches(pending.map((d) => d.id)),
          workflowId: event.owner,
          webhookIds: pending.map((d) => d.webhook_id),
          requestId: options.requestId,
          deliverAt: event.deliverAt ?? undefined,
        });
      }),
    );
    const created = new Map(
      inserted.map((event) => [event.id, { event, duplicate: false, deliveries: deliveries.get(event.id)! }]),
    );
    return events.map((event) => created.get(event.id) ?? repeated.get(event.id)!);
  });
}

/** Earlier publications of the ids given again; the same id with other content is a conflict. */
async function republished(
  db: Db,
  scope: Scope,
  events: Array<{ id: string; type: string; payloadJson: string; orderingKey?: string | undefined }>,
): Promise<Map<string, Publication>> {
  if (events.length === 0) return new Map();
  const stored = new Map(
    (
      await findEvents(
        db,
        scope,
        events.map((e) => e.id),
      )
    ).map((event) => [event.id, event]),
  );
  for (const event of events) {
    const existing = stored.get(event.id);
    if (!existing) throw new Error(`event ${event.id} conflicted on insert but cannot be read`);
    // A payload retention dropped (null) can no longer be compared: the type alone must match.
    const payloadKept = (existing.payloadJson as string | null) !== null;
    if (
      existing.type !== event.type ||
      (payloadKept && existing.payloadJson !== event.payloadJson) ||
      existing.orderingKey !== (event.orderingKey ?? null)
    ) {
      throw new ConflictError(
        `Event ${event.id} was already published with a different type, data or ordering key; use a new id for a new event.`,
      );
    }
  }
  const deliveries = await listDeliveriesOfEvents(db, scope, [...stored.keys()]);
  return new Map(
    [...stored.values()].map((event) => [
      event.id,
      { event, duplicate: true, deliveries: deliveries.filter((d) => d.event_id === event.id) },
    ]),
  );
}
