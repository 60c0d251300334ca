import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../server/db/database.js';
import { failureTypes } from '../workflows/shared.js';

/**
 * The pending deliveries of an event: one per active webhook subscribed to its type, created when it was
 * published. The workflow can start a moment before the publishing transaction commits, so a missing event is
 * retried (briefly) rather than taken as "no subscribers".
 */
export function createResolveDeliveries({ db }: { db: Db }) {
  return async function resolveDeliveries(eventId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('events as e')
      .leftJoin('deliveries as d', (join) => join.onRef('d.event_id', '=', 'e.id').on('d.status', '=', 'pending'))
      .select('d.id')
      .where('e.id', '=', eventId)
      .orderBy('d.id')
      .execute();
    if (rows.length === 0) {
      throw ApplicationFailure.create({ type: failureTypes.eventNotFound, message: `event ${eventId} is not stored (yet)` });
    }
    return rows.flatMap((row) => (row.id ? [row.id] : []));
  };
}
