import type { Db } from '../server/db/database.js';
import { failDelivery } from '../server/db/queries/delivery-attempts.js';
import { findTurnHolders } from '../server/db/queries/delivery-order.js';
import type { AttemptDeps } from '../server/delivery/run-attempts.js';
import type { MarkDeliveryFailedInput } from '../workflows/shared.js';

/**
 * Settles a delivery whose last attempt ended without recording a result (its worker died, or Postgres was
 * unreachable), so no delivery stays `pending` after its workflow has given up on it. Only the delivery's owner
 * may settle it.
 */
export function createMarkDeliveryFailed({ db, tellTurns }: { db: Db; tellTurns?: AttemptDeps['tellTurns'] }) {
  return async function markDeliveryFailed(args: MarkDeliveryFailedInput): Promise<void> {
    await failDelivery(db, { deliveryId: args.deliveryId, owner: args.owner ?? null, error: args.reason });
    // Settled, it passed its ordering key's turn on (if it has one): wake the next delivery's workflow.
    await tellTurns?.(await findTurnHolders(db, [args.deliveryId]));
  };
}
