import type { BenchContext } from '../context.js';
import { frontendRequests, perDelivery, type RequestCounts } from '../server-metrics.js';
import {
  fanOutWorkflowIdOf,
  runConcurrently,
  sampleData,
  verifyDeliveries,
  waitForSettled,
  withPeakRss,
} from './helpers.js';

export interface ThroughputResult {
  deliveries: number;
  seconds: number;
  rate: number;
  peakRss: number;
  /** Temporal frontend requests per delivery, by operation (polls included). */
  serverRequestsPerDelivery: RequestCounts;
  /** History events of one of the workload's fan-out workflows. */
  historyEventsPerWorkflow: number;
}

/** W1: N events × 1 webhook, published at the configured concurrency; deliveries/s from the first publish to the last attempt row. */
export async function throughput(
  ctx: BenchContext,
  args: {
    label: string;
    type: string;
    events: number;
    /** Publish through events.publishBatch, this many per call. */ batchSize?: number;
    /** Give event i the ordering key `k<i mod keys>`: each key's deliveries go one at a time. */
    orderingKeys?: number;
  },
): Promise<ThroughputResult> {
  const prefix = `/ok/${args.type}`;
  await ctx.client.webhooks.create.mutate({
    name: args.label,
    url: `${ctx.receiver.url}${prefix}`,
    events: [args.type],
  });
  const requestsBefore = await frontendRequests(ctx.infrastructure.temporalMetricsUrl);
  let sampleEventId = '';
  const { result, peakRss } = await withPeakRss(ctx, async () => {
    const started = Date.now();
    const batchSize = args.batchSize;
    if (batchSize) {
      const calls = Math.ceil(args.events / batchSize);
      // Fewer callers, each carrying a batch, keep about as many events in flight as single publishes do.
      await runConcurrently(calls, Math.max(1, Math.ceil(ctx.options.concurrency / batchSize) * 2), async (call) => {
        const count = Math.min(batchSize, args.events - call * batchSize);
        const events = Array.from({ length: count }, (_, j) => ({
          type: args.type,
          data: sampleData(call * batchSize + j),
        }));
        const published = await ctx.client.events.publishBatch.mutate({ events });
        sampleEventId ||= published.events[0]!.id;
      });
    } else {
      await runConcurrently(args.events, ctx.options.concurrency, async (i) => {
        const published = await ctx.client.events.publish.mutate({
          type: args.type,
          data: sampleData(i),
          ...(args.orderingKeys ? { orderingKey: `k${i % args.orderingKeys}` } : {}),
        });
        sampleEventId ||= published.id;
      });
    }
    ctx.progress(
      `${args.label}: all ${args.events} events published in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const settled = await waitForSettled(ctx, args.type, args.events, args.label);
    return { started, settled };
  });
  const requestsAfter = await frontendRequests(ctx.infrastructure.temporalMetricsUrl);
  await verifyDeliveries(ctx, { type: args.type, prefix, deliveries: args.events, attempts: args.events });
  const seconds = (result.settled.lastAttemptAt - result.started) / 1000;
  const sample = await ctx.temporal.workflow.getHandle(await fanOutWorkflowIdOf(ctx, sampleEventId)).describe();
  return {
    deliveries: args.events,
    seconds,
    rate: args.events / seconds,
    peakRss,
    serverRequestsPerDelivery: perDelivery(requestsBefore, requestsAfter, args.events),
    historyEventsPerWorkflow: sample.historyLength,
  };
}
