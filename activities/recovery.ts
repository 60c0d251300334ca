import { countFailedDeliveries, listFailedDeliveries, reopenDeliveries } from '../server/db/queries/deliveries.js';
import { type AttemptDeps, runAttempts } from '../server/delivery/run-attempts.js';
import type { FailedDeliveriesPage, FailedDeliveriesQuery, RedeliverPageInput } from '../workflows/shared.js';

/** Redeliveries of one recovery page run this many at a time, so a recovery never floods the endpoint. */
const CONCURRENCY = 10;

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
      let succeeded = 0;
      let next = 0;
      const worker = async () => {
        while (next < reopened.length) {
          const delivery = reopened[next++]!;
          const run = await runAttempts(deps, {
            range: {
              scope: args.scope,
              eventId: delivery.event_id,
              fromId: delivery.id,
              toId: delivery.id,
              owner: args.owner,
            },
            maxCount: 1,
            policy: args.policy,
            trigger: 'manual',
            seriesStart: delivery.series_start,
          });
          if (run.kind === 'done' && run.results[0]?.ok) succeeded += 1;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return { succeeded };
    },
  };
}
