import { sql } from 'kysely';
import type { Scope } from '../scope.js';
import type { Db } from '../database.js';
import { inScope } from './filters.js';

export interface StoredEvent {
  id: string;
  type: string;
  createdAt: Date;
  payloadJson: string;
}

/**
 * Inserts the events whose ids are new in the scope, in one statement whatever their number; returns those
 * inserted (ids published before are left out).
 */
export async function insertEventsIfNew(
  db: Db,
  scope: Scope,
  events: Array<{ id: string; type: string; payloadJson: string }>,
  options: { test?: boolean } = {},
): Promise<StoredEvent[]> {
  const { rows } = await sql<{ id: string; type: string; created_at: Date }>`
    INSERT INTO events (workspace_id, mode, id, type, payload, is_test)
    SELECT ${scope.workspaceId}, ${scope.mode}, id, type, payload::json, ${options.test ?? false}
      FROM unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.type)}::text[], ${events.map((e) => e.payloadJson)}::text[])
           AS e(id, type, payload)
    ON CONFLICT (workspace_id, mode, id) DO NOTHING
    RETURNING id, type, created_at`.execute(db);
  const payloads = new Map(events.map((e) => [e.id, e.payloadJson]));
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    createdAt: row.created_at,
    payloadJson: payloads.get(row.id)!,
  }));
}

export async function findEvents(db: Db, scope: Scope, ids: string[]): Promise<StoredEvent[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('events')
    .select((eb) => ['id', 'type', 'created_at', eb.cast<string>('payload', 'text').as('payload_json')])
    .where(inScope(scope))
    .where('id', 'in', ids)
    .execute();
  return rows.map((row) => ({ id: row.id, type: row.type, createdAt: row.created_at, payloadJson: row.payload_json }));
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
