import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { attemptActivityLimitMs } from '../server/delivery/policy.js';
import type { DrainWebhookInput } from './shared.js';

/**
 * A webhook came back (its owner resumed it, or an operator enabled it after Herald disabled it): its parked
 * deliveries go out in publish order, at most `perSecond` a second, so the endpoint is not flooded the moment it
 * returns. It stops when none are left, or when the webhook is paused or disabled again (nothing more reopens).
 */
export async function drainWebhook(input: DrainWebhookInput): Promise<{ sent: number }> {
  const { drainParkedPage } = proxyActivities<Activities>({
    // A page is attempted ten at a time, each bounded by the attempt's own limit.
    startToCloseTimeout: attemptActivityLimitMs(input.policy) * Math.ceil(input.perSecond / 10) + 10_000,
    retry: { initialInterval: '1s', maximumInterval: '1m' },
  });
  let sent = input.sent ?? 0;
  for (;;) {
    const page = await drainParkedPage({
      scope: input.scope,
      webhookId: input.webhookId,
      policy: input.policy,
      limit: input.perSecond,
      owner: workflowInfo().workflowId,
    });
    if (page.attempted === 0) return { sent };
    sent += page.attempted;
    await sleep('1s', { summary: `sent ${sent} parked deliveries; at most ${input.perSecond} a second` });
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof drainWebhook>({ ...input, sent });
  }
}
