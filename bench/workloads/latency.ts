import type { BenchContext } from '../context.js';
import { percentile, sampleData, verifyDeliveries, waitForSettled } from './helpers.js';

export interface LatencyResult {
  rate: number;
  events: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * W3: a steady, open-loop publish rate (events are sent on schedule whatever the answers) → publish-to-receipt
 * latency. Both ends read CLOCK_MONOTONIC (hrtime), which is shared by the processes of one machine.
 */
export async function latency(ctx: BenchContext, rate: number): Promise<LatencyResult> {
  const type = 'bench.w3';
  const prefix = '/ok/w3';
  await ctx.client.webhooks.create.mutate({ name: 'w3', url: `${ctx.receiver.url}${prefix}`, events: [type] });
  const events = Math.max(20, Math.round(rate * ctx.options.latencySeconds));
  const sentAt = new Map<string, bigint>();
  const started = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < events; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = `evt_w3_${i}`;
    sentAt.set(id, process.hrtime.bigint());
    sends.push(ctx.client.events.publish.mutate({ id, type, data: sampleData(i) }));
  }
  await Promise.all(sends);
  await waitForSettled(ctx, type, events, 'W3 latency');
  await verifyDeliveries(ctx, { type, prefix, deliveries: events, attempts: events });
  const { arrivals } = await ctx.receiver.stats(prefix);
  const latencies = arrivals
    .map(([, eventId, , at]) => Number(BigInt(at) - sentAt.get(eventId)!) / 1e6)
    .sort((a, b) => a - b);
  return {
    rate,
    events,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1)!,
  };
}
