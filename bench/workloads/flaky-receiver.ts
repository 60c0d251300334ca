import type { BenchContext } from '../context.js';
import { failsFirstAttempt } from '../flaky.js';
import { runConcurrently, sampleData, verifyDeliveries, waitForSettled } from './helpers.js';

/** W4: 30 % of first attempts fail (millisecond retry schedule) → deliveries/s, and nothing lost. */
export async function flakyReceiver(
  ctx: BenchContext,
): Promise<{ deliveries: number; seconds: number; rate: number; retried: number }> {
  const type = 'bench.w4';
  const prefix = '/flaky30/w4';
  const events = ctx.options.flakyEvents;
  await ctx.client.webhooks.create.mutate({ name: 'w4', url: `${ctx.receiver.url}${prefix}`, events: [type] });
  const started = Date.now();
  const ids: string[] = [];
  await runConcurrently(events, ctx.options.concurrency, async (i) => {
    const published = await ctx.client.events.publish.mutate({ type, data: sampleData(i) });
    ids.push(published.id);
  });
  const settled = await waitForSettled(ctx, type, events, 'W4 flaky');
  const retried = ids.filter(failsFirstAttempt).length;
  await verifyDeliveries(ctx, { type, prefix, deliveries: events, attempts: events + retried });
  const seconds = (settled.lastAttemptAt - started) / 1000;
  return { deliveries: events, seconds, rate: events / seconds, retried };
}
