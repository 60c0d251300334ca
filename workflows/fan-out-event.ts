import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { type DeliveryPolicy, failureTypes, type FanOutEventInput, type FanOutEventResult } from './shared.js';

const { resolveDeliveries, markDeliveryFailed } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  // Covers the moment between starting this workflow and the publishing transaction's commit, and Postgres
  // restarts; an event still missing after about two minutes was never stored.
  retry: { initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 12 },
});

/** One workflow per published event: deliver it to every subscribed webhook, in parallel, each on its own retry schedule. */
export async function fanOutEvent(input: FanOutEventInput): Promise<FanOutEventResult> {
  const deliveryIds = await resolveDeliveries(input.eventId);
  const outcomes = await Promise.all(deliveryIds.map((deliveryId) => deliver(deliveryId, input.policy)));
  const succeeded = outcomes.filter(Boolean).length;
  return { deliveries: outcomes.length, succeeded, failed: outcomes.length - succeeded };
}

async function deliver(deliveryId: string, policy: DeliveryPolicy): Promise<boolean> {
  const { signAndPost } = proxyActivities<Activities>({
    // The HTTP timeout plus room for the two Postgres writes around it; also how long a crashed worker's
    // attempt stays unnoticed before Temporal retries it elsewhere.
    startToCloseTimeout: policy.attemptTimeoutMs + 5_000,
    retry: deliveryRetryPolicy(policy),
  });
  try {
    await signAndPost({ deliveryId, policy });
    return true;
  } catch (error) {
    if (isCancellation(error)) throw error;
    if (!recordedItsOwnEnd(error)) {
      await markDeliveryFailed({ deliveryId, reason: 'the last attempt did not finish (worker stopped or timed out)' });
    }
    return false;
  }
}

/**
 * Temporal runs the attempts; the activity names the wait before each retry (`nextRetryDelay`), so the interval
 * here only applies to failures the activity could not classify.
 */
function deliveryRetryPolicy(policy: DeliveryPolicy): RetryPolicy {
  return {
    maximumAttempts: policy.retryScheduleMs.length,
    initialInterval: Math.max(1, policy.retryScheduleMs[1] ?? 1_000),
    backoffCoefficient: 1,
    nonRetryableErrorTypes: [failureTypes.deliveryFailed, failureTypes.webhookUnavailable],
  };
}

/** The activity settled the delivery itself when it failed with one of its own final failure types. */
function recordedItsOwnEnd(error: unknown): boolean {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) return false;
  const type = error.cause.type;
  return type === failureTypes.deliveryFailed || type === failureTypes.webhookUnavailable;
}
