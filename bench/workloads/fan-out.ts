import type { BenchContext } from '../context.js';
import { runConcurrently, sampleData, verifyDeliveries, waitForSettled } from './helpers.js';

/** W2: E events × W webhooks; deliveries/s and the time until every delivery is recorded. */
export async function fanOut(ctx: BenchContext): Promise<{ deliveries: number; seconds: number; rate: number }> {
  const { fanOutEvents: events, fanOutWebhooks: webhooks, concurrency } = ctx.options;
  const type = 'bench.w2';
  await runConcurrently(webhooks, concurrency, (i) =>
    ctx.client.webhooks.create.mutate({ name: `w2-${i}`, url: `${ctx.receiver.url}/ok/w2/${i}`, events: [type] }),
  );
  const started = Date.now();
  await runConcurrently(events, concurrency, (i) => ctx.client.events.publish.mutate({ type, data: sampleData(i) }));
  const expected = events * webhooks;
  const settled = await waitForSettled(ctx, type, expected, 'W2 fan-out');
  await verifyDeliveries(ctx, { type, prefix: '/ok/w2/', deliveries: expected, attempts: expected });
  const seconds = (settled.lastAttemptAt - started) / 1000;
  return { deliveries: expected, seconds, rate: expected / seconds };
}
