import type { Scope } from '../server/db/scope.js';
import type { DeliveryPolicy } from '../server/delivery/policy.js';
import { type AttemptDeps, type AttemptResult, runAttempts } from '../server/delivery/run-attempts.js';
import type { AttemptTrigger } from '../server/db/tables/delivery-attempts.table.js';

/** Attempts of one page run this many at a time, so an endpoint coming back (or being recovered) is not flooded. */
const CONCURRENCY = 10;

export interface PageDelivery {
  id: string;
  eventId: string;
  seriesStart: number;
}

/**
 * One attempt at each delivery of a page that `owner` holds, at most CONCURRENCY at once; `after` is told each
 * outcome (undefined when the attempt did not run: the delivery was no longer the owner's, or already settled).
 * Resolves with how many succeeded.
 */
export async function attemptEach(
  deps: AttemptDeps,
  page: PageDelivery[],
  args: {
    scope: Scope;
    owner: string;
    policy: DeliveryPolicy;
    trigger: AttemptTrigger;
    /** Wait out a webhook's rate limit here when the token is due within this long (else report it waiting). */
    waitForTokenMs?: number;
  },
  after?: (delivery: PageDelivery, result: AttemptResult | undefined) => Promise<void>,
): Promise<number> {
  let succeeded = 0;
  let next = 0;
  const worker = async () => {
    while (next < page.length) {
      const delivery = page[next++]!;
      const attempt = async () => {
        const run = await runAttempts(deps, {
          range: {
            scope: args.scope,
            eventId: delivery.eventId,
            fromId: delivery.id,
            toId: delivery.id,
            owner: args.owner,
          },
          maxCount: 1,
          policy: args.policy,
          trigger: args.trigger,
          seriesStart: delivery.seriesStart,
        });
        return run.kind === 'done' ? run.results[0] : undefined;
      };
      let result = await attempt();
      while (result?.rateLimited && (result.retryDelayMs ?? 0) <= (args.waitForTokenMs ?? -1)) {
        await new Promise((resolve) => setTimeout(resolve, result!.retryDelayMs));
        result = await attempt();
      }
      if (result?.ok) succeeded += 1;
      await after?.(delivery, result);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return succeeded;
}
