import { countFailedDeliveries, listFailedDeliveries, reopenDeliveries } from '../server/db/queries/deliveries.js';
import type { AttemptDeps } from '../server/delivery/run-attempts.js';
import { attemptEach } from './attempt-each.js';
import type { FailedDeliveriesPage, FailedDeliveriesQuery, RedeliverPageInput } from '../workflows/shared.js';

export function createRecoveryActivities(deps: AttemptDeps) {
  return {
    async countFailedDeliveries(args: FailedDeliveriesQuery): Promise<number> {
      return countFailedDeliveries(deps.db, args.scope, { webhookId: args.webhookId, since: new Date(args.since) });
    },

    async listFailedDeliveries(args: FailedDeliveriesPage) {
      return listFailedDeliveries(deps.db, args.scope, { ...args, since: new Date(args.since) });
    },

    /**
     * One manual attempt at each delivery of the page that is still failed. The recovery workflow owns what it
     * reopens, so a run of this activity that is retried picks up the deliveries its earlier run reopened.
     */
    async redeliverPage(args: RedeliverPageInput): Promise<{ succeeded: number }> {
      const reopened = await reopenDeliveries(
        deps.db,
        args.scope,
        args.deliveries.map((d) => d.id),
        args.owner,
      );
      const succeeded = await attemptEach(
        deps,
        reopened.map((d) => ({ id: d.id, eventId: d.event_id, seriesStart: d.series_start })),
        // A webhook slowed down by its rate (configured, or adapted while it was failing) is waited for here, a
        // token at a time, so the recovery reports what was delivered rather than what had to wait; a longer wait
        // is left pending, due then, for the reconciler to take over once the recovery has ended.
        { scope: args.scope, owner: args.owner, policy: args.policy, trigger: 'manual', waitForTokenMs: 5_000 },
      );
      return { succeeded };
    },
  };
}
