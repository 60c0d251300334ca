import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { type DeliveryPolicy, failureTypes, type Scope } from './shared.js';

const { markDeliveryFailed } = proxyActivities<Activities>({ startToCloseTimeout: '30s' });

export interface RetrySeries {
  scope: Scope;
  eventId: string;
  deliveryId: string;
  policy: DeliveryPolicy;
  /** Attempts the delivery had when this series began; the schedule counts from there. */
  seriesStart: number;
  /** Attempts made so far. */
  attemptsBefore: number;
  /** Wait before the next attempt (a durable timer, so no worker holds it). */
  waitMs: number;
  trigger: 'scheduled' | 'manual';
}

/**
 * The rest of a delivery's attempt series: a durable timer for the scheduled wait, then `signAndPost` under a
 * Temporal retry policy for the attempts that remain. Resolves true when the delivery succeeded.
 */
export async function deliverWithRetries(series: RetrySeries): Promise<boolean> {
  const { policy } = series;
  const remaining = policy.retryScheduleMs.length - (series.attemptsBefore - series.seriesStart);
  const { signAndPost } = proxyActivities<Activities>({
    // The HTTP timeout plus room for the two Postgres writes around it; also how long a crashed worker's
    // attempt stays unnoticed before Temporal retries it elsewhere.
    startToCloseTimeout: policy.attemptTimeoutMs + 5_000,
    retry: {
      maximumAttempts: Math.max(1, remaining),
      // The activity names the wait before each retry (`nextRetryDelay`); this only applies to failures it
      // could not classify.
      initialInterval: Math.max(1, policy.retryScheduleMs[series.attemptsBefore - series.seriesStart + 1] ?? 1_000),
      backoffCoefficient: 1,
      nonRetryableErrorTypes: [failureTypes.deliveryFailed],
    },
    summary: `${series.trigger} attempts of ${series.deliveryId}`,
  });
  try {
    if (series.waitMs > 0) await sleep(series.waitMs);
    await signAndPost({
      scope: series.scope,
      deliveryId: series.deliveryId,
      eventId: series.eventId,
      policy,
      seriesStart: series.seriesStart,
      attemptsBefore: series.attemptsBefore,
      trigger: series.trigger,
    });
    return true;
  } catch (error) {
    if (isCancellation(error)) throw error;
    if (!recordedItsOwnEnd(error)) {
      await markDeliveryFailed({ deliveryId: series.deliveryId, reason: 'the last attempt did not finish (worker stopped or timed out)' });
    }
    return false;
  }
}

/** The activity settled the delivery itself when it failed with its own final failure type. */
function recordedItsOwnEnd(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === failureTypes.deliveryFailed;
}
