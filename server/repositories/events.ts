import type { Db } from '../db/database.js';

export interface StoredEvent {
  id: string;
  type: string;
  createdAt: Date;
  payloadJson: string;
}

/** Inserts the event unless its id exists; returns undefined for a duplicate id. */
export async function insertEventIfNew(db: Db, event: { id: string; type: string; payloadJson: string }): Promise<StoredEvent | undefined> {
  const row = await db
    .insertInto('events')
    .values({ id: event.id, type: event.type, payload: event.payloadJson })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning(['id', 'type', 'created_at'])
    .executeTakeFirst();
  return row && { id: row.id, type: row.type, createdAt: row.created_at, payloadJson: event.payloadJson };
}

export async function findEvent(db: Db, id: string): Promise<StoredEvent | undefined> {
  const row = await db
    .selectFrom('events')
    .select((eb) => ['id', 'type', 'created_at', eb.cast<string>('payload', 'text').as('payload_json')])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { id: row.id, type: row.type, createdAt: row.created_at, payloadJson: row.payload_json };
}
