import { sql } from 'kysely';
import type { Scope } from '../scope.js';
import type { Db } from '../database.js';

/**
 * A fan-out workflow can start (eagerly, even in the same process) before the transaction that publishes its event
 * commits. The publisher holds an advisory lock per event until it commits or rolls back; a first attempt that
 * cannot see its event waits on that lock instead of guessing with a timer, then looks again.
 */
const key = (scope: Scope, eventId: string) => `${scope.workspaceId}:${scope.mode}:${eventId}`;

/** Inside the publishing transaction: held until it ends. Sorted, so concurrent publishers never deadlock. */
export async function holdPublicationLocks(trx: Db, scope: Scope, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  const keys = eventIds.map((id) => key(scope, id)).sort();
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(${keys}::text[]) AS k`.execute(trx);
}

/** Returns once no transaction is publishing this event any more (committed or rolled back). */
export async function awaitPublication(db: Db, scope: Scope, eventId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock_shared(hashtextextended(${key(scope, eventId)}, 0))`.execute(trx);
  });
}
