import {
  executeChild,
  log,
  patched,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { attemptActivityLimitMs } from '../server/delivery/policy.js';
import { deliverWithRetries, type SeriesEnd } from './deliver-with-retries.js';
import { DeliveryTurns, forwardTurns } from './delivery-turns.js';
import {
  BATCHES_PER_WORKFLOW,
  type DeliveryBatch,
  type FanOutEventInput,
  type FanOutEventResult,
  outcomeOf,
  searchAttributes,
} from './shared.js';

/**
 * One workflow per published event. The first attempt at every delivery runs in local activities, one per batch
 * of deliveries, inside the workflow's first task: on the happy path an event costs one workflow task and no
 * activity task. Each delivery that fails then waits on a durable timer and goes on alone through `signAndPost`,
 * a regular activity whose Temporal retry policy runs the rest of the five-attempt schedule. As it ends, the
 * workflow says how its deliveries ended (`HeraldOutcome`), so failed deliveries can be found in the Temporal UI.
 *
 * A delivery whose event has an ordering key may have to wait for its turn (an earlier event of the key to the same
 * webhook has not settled): the workflow waits for the signal that it has come, then attempts it as a retry series.
 */
export async function fanOutEvent(input: FanOutEventInput): Promise<FanOutEventResult> {
  let result: FanOutEventResult;
  if (input.batches.length > BATCHES_PER_WORKFLOW) {
    result = await fanOutInParts(input);
  } else {
    const turns = new DeliveryTurns();
    result = (await Promise.all(input.batches.map((batch) => deliverBatch(input, batch, turns)))).reduce(sum, none());
  }
  if (patched('outcome-search-attribute'))
    upsertSearchAttributes([{ key: searchAttributes.outcome, value: outcomeOf(result) }]);
  // Replay-safe (never repeated on replay); the request id comes from the log interceptor (workflows/interceptors.ts).
  log.debug('fan-out finished', { eventId: input.eventId, outcome: outcomeOf(result), ...result });
  return result;
}

/** Wide fan-outs run as child workflows of BATCHES_PER_WORKFLOW batches, keeping every history small. */
async function fanOutInParts(input: FanOutEventInput): Promise<FanOutEventResult> {
  const parts: DeliveryBatch[][] = [];
  for (let i = 0; i < input.batches.length; i += BATCHES_PER_WORKFLOW)
    parts.push(input.batches.slice(i, i + BATCHES_PER_WORKFLOW));
  const { workflowId } = workflowInfo();
  const partId = (i: number) => `${workflowId}/part-${i + 1}`;
  forwardTurns(parts.map((batches, i) => ({ workflowId: partId(i), batches })));
  const results = await Promise.all(
    parts.map((batches, i) =>
      executeChild(fanOutEvent, {
        workflowId: partId(i),
        args: [{ ...input, batches }],
        staticSummary: `part ${i + 1} of ${parts.length}`,
      }),
    ),
  );
  return results.reduce(sum, none());
}

async function deliverBatch(
  input: FanOutEventInput,
  batch: DeliveryBatch,
  turns: DeliveryTurns,
): Promise<FanOutEventResult> {
  const { firstAttempts } = proxyLocalActivities<Activities>({
    startToCloseTimeout: attemptActivityLimitMs(input.policy),
    // Retries cover Postgres being unreachable; a retried run never sends twice (see runAttempts).
    retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  const owner = input.owner ?? null;
  const first = await firstAttempts({
    scope: input.scope,
    eventId: input.eventId,
    batch,
    policy: input.policy,
    owner,
    requestId: input.requestId,
    // A new optional argument, not a new command: the history of a fan-out is the same with or without it.
    ...(input.scheduled ? { scheduled: true as const } : {}),
  });
  // A workflow whose publication rolled back owns no delivery: it ends here, having sent nothing.
  if (first.rolledBack) return { ...none(), rolledBack: true };
  const series = {
    scope: input.scope,
    eventId: input.eventId,
    owner,
    policy: input.policy,
    seriesStart: 0,
    trigger: 'scheduled' as const,
    requestId: input.requestId,
  };
  const retried: SeriesEnd[] = await Promise.all([
    ...first.retry.map((delivery) =>
      deliverWithRetries({
        ...series,
        deliveryId: delivery.deliveryId,
        endpoint: delivery.endpoint,
        attemptsBefore: delivery.attempts,
        waitMs: delivery.retryDelayMs,
      }),
    ),
    // Absent from the results of fan-outs that never met an ordering key: their history is unchanged.
    ...(first.queued ?? []).map(async (deliveryId) => {
      await turns.waitFor(deliveryId);
      return deliverWithRetries({ ...series, deliveryId, attemptsBefore: 0, waitMs: 0 });
    }),
  ]);
  const count = (outcome: string) => retried.filter((r) => r === outcome).length;
  const parked = (first.parked ?? 0) + count('parked');
  return {
    deliveries: batch.count,
    succeeded: first.succeeded + count('succeeded'),
    failed: first.failed + count('failed'),
    ...(parked > 0 ? { parked } : {}),
    ...(first.cancelled ? { cancelled: first.cancelled } : {}),
  };
}

function none(): FanOutEventResult {
  return { deliveries: 0, succeeded: 0, failed: 0 };
}

function sum(a: FanOutEventResult, b: FanOutEventResult): FanOutEventResult {
  const parked = (a.parked ?? 0) + (b.parked ?? 0);
  const cancelled = (a.cancelled ?? 0) + (b.cancelled ?? 0);
  return {
    deliveries: a.deliveries + b.deliveries,
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    ...(parked > 0 ? { parked } : {}),
    ...(cancelled > 0 ? { cancelled } : {}),
    ...(a.rolledBack || b.rolledBack ? { rolledBack: true as const } : {}),
  };
}
