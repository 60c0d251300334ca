import { executeChild, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { deliverWithRetries } from './deliver-with-retries.js';
import { BATCHES_PER_WORKFLOW, type DeliveryBatch, failureTypes, type FanOutEventInput, type FanOutEventResult } from './shared.js';

/**
 * One workflow per published event. The first attempt at every delivery runs in local activities, one per batch
 * of deliveries, inside the workflow's first task: on the happy path an event costs one workflow task and no
 * activity task. Each delivery that fails then waits on a durable timer and goes on alone through `signAndPost`,
 * a regular activity whose Temporal retry policy runs the rest of the five-attempt schedule.
 */
export async function fanOutEvent(input: FanOutEventInput): Promise<FanOutEventResult> {
  if (input.batches.length > BATCHES_PER_WORKFLOW) return fanOutInParts(input);
  const results = await Promise.all(input.batches.map((batch) => deliverBatch(input, batch)));
  return results.reduce(sum, { deliveries: 0, succeeded: 0, failed: 0 });
}

/** Wide fan-outs run as child workflows of BATCHES_PER_WORKFLOW batches, keeping every history small. */
async function fanOutInParts(input: FanOutEventInput): Promise<FanOutEventResult> {
  const parts: DeliveryBatch[][] = [];
  for (let i = 0; i < input.batches.length; i += BATCHES_PER_WORKFLOW) parts.push(input.batches.slice(i, i + BATCHES_PER_WORKFLOW));
  const { workflowId } = workflowInfo();
  const results = await Promise.all(
    parts.map((batches, i) =>
      executeChild(fanOutEvent, {
        workflowId: `${workflowId}/part-${i + 1}`,
        args: [{ ...input, batches }],
        staticSummary: `part ${i + 1} of ${parts.length}`,
      }),
    ),
  );
  return results.reduce(sum, { deliveries: 0, succeeded: 0, failed: 0 });
}

async function deliverBatch(input: FanOutEventInput, batch: DeliveryBatch): Promise<FanOutEventResult> {
  const { firstAttempts } = proxyLocalActivities<Activities>({
    startToCloseTimeout: input.policy.attemptTimeoutMs + 5_000,
    // Retries cover Postgres being unreachable; an event whose publication rolled back fails for good.
    retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [failureTypes.eventNotFound] },
  });
  const first = await firstAttempts({ scope: input.scope, eventId: input.eventId, batch, policy: input.policy });
  const retried = await Promise.all(
    first.retry.map((delivery) =>
      deliverWithRetries({
        scope: input.scope,
        eventId: input.eventId,
        deliveryId: delivery.deliveryId,
        policy: input.policy,
        seriesStart: 0,
        attemptsBefore: delivery.attempts,
        waitMs: delivery.retryDelayMs,
        trigger: 'scheduled',
      }),
    ),
  );
  const recovered = retried.filter(Boolean).length;
  return { deliveries: batch.count, succeeded: first.succeeded + recovered, failed: first.failed + retried.length - recovered };
}

function sum(a: FanOutEventResult, b: FanOutEventResult): FanOutEventResult {
  return { deliveries: a.deliveries + b.deliveries, succeeded: a.succeeded + b.succeeded, failed: a.failed + b.failed };
}
