import { sql } from 'kysely';
import type { Scope } from '../scope.js';
import type { Db } from '../database.js';
import { inScope } from './filters.js';

export interface StoredEvent {
  id: string;
  type: string;
  createdAt: Date;
  payloadJson: string;
  /** Published to be delivered later: when; null when delivered at once. */
  deliverAt: Date | null;
  /** Deliveries with the same key go to each webhook one at a time, in publish order; null: no order. */
  orderingKey: string | null;
}

/**
 * Inserts the events whose ids are new in the scope, in one statement whatever their number; returns those
 * inserted (ids published before are left out).
 */
export async function insertEventsIfNew(
  db: Db,
  scope: Scope,
  events: Array<{
    id: string;
    type: string;
    payloadJson: string;
    deliverAt?: Date | undefined;
    orderingKey?: string | undefined;
  }>,
  options: { test?: boolean } = {},
): Promise<StoredEvent[]> {
  const { rows } = await sql<{
    id: string;
    type: string;
    created_at: Date;
    deliver_at: Date | null;
    ordering_key: string | null;
  }>`
    INSERT INTO events (workspace_id, mode, id, type, payload, is_test, deliver_at, ordering_key)
    SELECT ${scope.workspaceId}, ${scope.mode}, id, type, payload::json, ${options.test ?? false}, deliver_at, ordering_key
      FROM unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.type)}::text[], ${events.map((e) => e.payloadJson)}::text[],
                  ${events.map((e) => e.deliverAt?.toISOString() ?? null)}::timestamptz[],
                  ${events.map((e) => e.orderingKey ?? null)}::text[])
           AS e(id, type, payload, deliver_at, ordering_key)
    ON CONFLICT (workspace_id, mode, id) DO NOTHING
    RETURNING id, type, created_at, deliver_at, ordering_key`.execute(db);
  const payloads = new Map(events.map((e) => [e.id, e.payloadJson]));
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    createdAt: row.created_at,
    payloadJson: payloads.get(row.id)!,
    deliverAt: row.deliver_at,
    orderingKey: row.ordering_key,
  }));
}

export async function findEvents(db: Db, scope: Scope, ids: string[]): Promise<StoredEvent[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('events')
    .select((eb) => [
      'id',
      'type',
      'created_at',
      'deliver_at',
      'ordering_key',
      eb.cast<string>('payload', 'text').as('payload_json'),
    ])
    .where(inScope(scope))
    .where('id', 'in', ids)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    createdAt: row.created_at,
    payloadJson: row.payload_json,
    deliverAt: row.deliver_at,
    orderingKey: row.ordering_key,
  }));
}

/** An event row locked for the rest of the transaction: a cancel and a concurrent cancel of it go one after the other. */
export async function lockEvent(
  db: Db,
  scope: Scope,
  id: string,
): Promise<{ id: string; type: string; deliverAt: Date | null; cancelledAt: Date | null } | undefined> {
  const row = await db
    .selectFrom('events')
    .select(['id', 'type', 'deliver_at', 'cancelled_at'])
    .where(inScope(scope))
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row && { id: row.id, type: row.type, deliverAt: row.deliver_at, cancelledAt: row.cancelled_at };
}

export async function markEventCancelled(db: Db, scope: Scope, id: string): Promise<Date> {
  const row = await db
    .updateTable('events')
    .set({ cancelled_at: sql<Date>`now()` })
    .where(inScope(scope))
    .where('id', '=', id)
    .returning('cancelled_at')
    .executeTakeFirstOrThrow();
  return row.cancelled_at!;
}

/** An event's payload as JSON text; null once retention dropped it, undefined when there is no such event. */
export async function findEventPayload(db: Db, scope: Scope, id: string): Promise<string | null | undefined> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.cast<string | null>('payload', 'text').as('payload_json'))
    .where(inScope(scope))
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.payload_json;
}
