import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { attemptActivityLimitMs, type DeliveryPolicy } from '../server/delivery/policy.js';
import { failureTypes } from './shared.js';
import type { Scope } from '../server/db/scope.js';

const { markDeliveryFailed } = proxyActivities<Activities>({ startToCloseTimeout: '30s' });

export interface RetrySeries {
  scope: Scope;
  eventId: string;
  deliveryId: string;
  /** The workflow the delivery belongs to; null for deliveries made before owners existed. */
  owner: string | null;
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
  const { signAndPost } = proxyActivities<Activities>({
    // Room for an attempt and for waiting out one still held by a run that was cut off; also how long a crashed
    // worker's attempt stays unnoticed before Temporal retries it elsewhere.
    startToCloseTimeout: attemptActivityLimitMs(policy),
    retry: {
      // No maximum: Postgres counts the attempts and the activity ends the series with a non-retryable failure
      // after the last one. Temporal's own count would also spend attempts on runs that sent nothing (Postgres
      // unreachable, a worker that died before sending).
      // The activity names the wait before each retry (`nextRetryDelay`); this backoff applies only to failures
      // it could not classify.
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      nonRetryableErrorTypes: [failureTypes.deliveryFailed, failureTypes.deliveryHandedOver],
    },
    summary: `${series.trigger} attempts of ${series.deliveryId}`,
  });
  try {
    if (series.waitMs > 0) await sleep(series.waitMs);
    await signAndPost({
      scope: series.scope,
      deliveryId: series.deliveryId,
      eventId: series.eventId,
      owner: series.owner,
      policy,
      seriesStart: series.seriesStart,
      attemptsBefore: series.attemptsBefore,
      trigger: series.trigger,
    });
    return true;
  } catch (error) {
    if (isCancellation(error)) throw error;
    if (!settledWithoutUs(error)) {
      await markDeliveryFailed({
        deliveryId: series.deliveryId,
        owner: series.owner,
        reason: 'the last attempt did not finish (worker stopped or timed out)',
      });
    }
    return false;
  }
}

/** The activity settled the delivery itself, or found it given to another workflow: nothing left to record here. */
function settledWithoutUs(error: unknown): boolean {
  if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) return false;
  return error.cause.type === failureTypes.deliveryFailed || error.cause.type === failureTypes.deliveryHandedOver;
}
