import { continueAsNew, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { reconcileDeliveries, sweepEndpoints } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '5s', maximumInterval: '1m' },
});
// The cleanup heartbeats after every batch, so a worker that dies in the middle of it is noticed within seconds
// rather than at the five-minute limit, and the run starts again at once: every batch is a statement of its own, so
// nothing is ever half done. (Activity options: changing them alters no command, see DEVELOPERS.md.)
const { applyRetention } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

/** Sweeps per run before starting afresh, so the history stays short however long the reconciler lives. */
const SWEEPS_PER_RUN = 100;

/**
 * The safety net under the delivery promise: every so often, find pending deliveries that are overdue and that no
 * running workflow owns, and give each to a new workflow; and look after the endpoints (warn about failing ones,
 * disable and announce, discard parked deliveries past the bounds, end rotations); and delete what is past its
 * retention window, a time budget at a time. One per task queue; each worker starts it if it is not running. The
 * activity says when to look again, so a configuration change applies at the next sweep.
 */
export async function deliveryReconciler(): Promise<void> {
  for (let sweep = 0; sweep < SWEEPS_PER_RUN; sweep++) {
    const result = await reconcileDeliveries();
    if (patched('endpoint-health-sweep')) await sweepEndpoints();
    if (patched('retention-sweep')) await applyRetention();
    await sleep(result.nextRunInMs);
  }
  await continueAsNew<typeof deliveryReconciler>();
}
