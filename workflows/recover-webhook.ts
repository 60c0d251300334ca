import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { progressQuery, type RecoveryProgress, type RecoverWebhookInput } from './shared.js';

const PAGE_SIZE = 100;

const { countFailedDeliveries, listFailedDeliveries } = proxyActivities<Activities>({ startToCloseTimeout: '1m' });
const { redeliverPage } = proxyActivities<Activities>({
  // A page of one-attempt redeliveries, a bounded number at a time, each bounded by the attempt timeout.
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3 },
});

/**
 * `webhooks.recover`: one new attempt at every delivery of a webhook that failed since a given time, a page at a
 * time. Progress is queryable (`progress`); cancelling the workflow stops it after the page in flight.
 */
export async function recoverWebhook(input: RecoverWebhookInput): Promise<RecoveryProgress> {
  const progress: RecoveryProgress = input.progress ?? {
    total: 0,
    processed: 0,
    succeeded: 0,
    failed: 0,
    afterId: null,
  };
  // Registered first, so progress can be asked for from the workflow's first moment.
  setHandler(progressQuery, () => progress);
  if (!input.progress)
    progress.total = await countFailedDeliveries({
      scope: input.scope,
      webhookId: input.webhookId,
      since: input.since,
    });
  for (;;) {
    const page = await listFailedDeliveries({
      scope: input.scope,
      webhookId: input.webhookId,
      since: input.since,
      afterId: progress.afterId ?? undefined,
      limit: PAGE_SIZE,
    });
    if (page.length === 0) return progress;
    const result = await redeliverPage({
      scope: input.scope,
      deliveries: page,
      policy: input.policy,
      owner: workflowInfo().workflowId,
    });
    progress.processed += page.length;
    progress.succeeded += result.succeeded;
    progress.failed += page.length - result.succeeded;
    progress.afterId = page[page.length - 1]!.id;
    // Very large recoveries keep their history short by starting afresh with the progress so far.
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof recoverWebhook>({ ...input, progress });
  }
}
