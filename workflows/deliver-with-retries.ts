import {
  type ActivityOptions,
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { Scope } from '../server/db/scope.js';
import { attemptActivityLimitMs, type DeliveryPolicy } from '../server/delivery/policy.js';
import { failureTypes } from './shared.js';

const { markDeliveryFailed } = proxyActivities<Activities>({ startToCloseTimeout: '30s' });

export interface RetrySeries {
  scope: Scope;
  eventId: string;
  deliveryId: string;
  /** Where the delivery goes (host and path), for the Temporal UI's summaries; absent when not known. */
  endpoint?: string | undefined;
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
  /** The request that published the event or asked for the retry, for the attempt log lines. */
  requestId?: string | undefined;
}

/** How a series ended: the delivery succeeded, failed for good, was parked, or went to another workflow. */
export type SeriesEnd = 'succeeded' | 'failed' | 'parked' | 'handed-over';

/**
 * The rest of a delivery's attempt series: a durable timer for the scheduled wait, then `signAndPost` under a
 * Temporal retry policy for the attempts that remain. The timer and the activity carry summaries that name the
 * endpoint and Herald's own attempt numbers, which the Temporal UI shows beside its own retry counter (that one
 * also counts runs that sent nothing, such as a retry while Postgres was unreachable).
 */
export async function deliverWithRetries(series: RetrySeries): Promise<SeriesEnd> {
  const { policy } = series;
  const total = series.seriesStart + policy.retryScheduleMs.length;
  const next = series.attemptsBefore + 1;
  const where = series.endpoint ?? series.deliveryId;
  const { signAndPost } = proxyActivities<Activities>(signAndPostOptions(policy));
  try {
    if (series.waitMs > 0)
      await sleep(series.waitMs, { summary: `wait ${duration(series.waitMs)} before attempt ${next} of ${total}` });
    await signAndPost.executeWithOptions(
      {
        ...signAndPostOptions(policy),
        summary: `attempt ${next}${next < total ? `–${total}` : ''} of ${total} → ${where}`,
      },
      [
        {
          scope: series.scope,
          deliveryId: series.deliveryId,
          eventId: series.eventId,
          owner: series.owner,
          policy,
          seriesStart: series.seriesStart,
          attemptsBefore: series.attemptsBefore,
          trigger: series.trigger,
          requestId: series.requestId,
        },
      ],
    );
    return 'succeeded';
  } catch (error) {
    if (isCancellation(error)) throw error;
    const ended = endedBy(error);
    if (ended) return ended;
    log.warn('a delivery attempt did not record its end (its worker stopped or it timed out); settling it as failed', {
      deliveryId: series.deliveryId,
    });
    await markDeliveryFailed({
      deliveryId: series.deliveryId,
      owner: series.owner,
      reason: 'the last attempt did not finish (worker stopped or timed out)',
    });
    return 'failed';
  }
}

function signAndPostOptions(policy: DeliveryPolicy): ActivityOptions {
  return {
    // Room for an attempt and for waiting out one still held by a run that was cut off; also how long a crashed
    // worker's attempt stays unnoticed before Temporal retries it elsewhere.
    startToCloseTimeout: attemptActivityLimitMs(policy),
    retry: {
      // No maximum: Postgres counts the attempts and the activity ends the series with a non-retryable failure
      // after the last one. Temporal's own count would also spend attempts on runs that sent nothing (Postgres
      // unreachable, a worker that died before sending). The activity names the wait before each retry
      // (`nextRetryDelay`); this backoff applies only to failures it could not classify.
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      nonRetryableErrorTypes: [
        failureTypes.deliveryFailed,
        failureTypes.deliveryHandedOver,
        failureTypes.deliveryParked,
      ],
    },
  };
}

/** The activity settled the delivery itself, parked it, or found it given to another workflow. */
function endedBy(error: unknown): SeriesEnd | undefined {
  if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) return undefined;
  const ends: Record<string, SeriesEnd> = {
    [failureTypes.deliveryFailed]: 'failed',
    [failureTypes.deliveryParked]: 'parked',
    [failureTypes.deliveryHandedOver]: 'handed-over',
  };
  return ends[error.cause.type ?? ''];
}

/** 30000 → "30s", 300000 → "5m", 7200000 → "2h". */
function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
