import { newId } from '../../server/db/ids.js';
import type { BenchContext } from '../context.js';
import { fanOutWorkflowIdOf, verifyDeliveries, waitForSettled } from './helpers.js';

export interface WideResult {
  deliveries: number;
  seconds: number;
  rate: number;
  workflows: number;
  historyEvents: number;
  historyBytes: number;
  largestHistoryEvents: number;
}

/** One event to `wide` webhooks: time until all are delivered, and what that costs in workflow history. */
export async function wideFanOut(ctx: BenchContext): Promise<WideResult> {
  const type = 'bench.wide';
  const count = ctx.options.wide;
  // Setup, not measured: the webhooks are written straight to the table.
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId('webhook'),
    workspace_id: ctx.scope.workspaceId,
    mode: ctx.scope.mode,
    name: `wide-${i}`,
    url: `${ctx.receiver.url}/ok/wide/${i}`,
    events: [type],
    active: true,
    secret: `whsec_bench_wide_secret_${i}`,
  }));
  for (let i = 0; i < rows.length; i += 2_000)
    await ctx.db
      .insertInto('webhooks')
      .values(rows.slice(i, i + 2_000))
      .execute();

  const started = Date.now();
  const published = await ctx.client.events.publish.mutate({ type, data: { wide: true } });
  const settled = await waitForSettled(ctx, type, count, 'wide fan-out');
  await verifyDeliveries(ctx, { type, prefix: '/ok/wide/', deliveries: count, attempts: count });
  const seconds = (settled.lastAttemptAt - started) / 1000;

  const root = await fanOutWorkflowIdOf(ctx, published.id);
  await ctx.temporal.workflow.getHandle(root).result();
  const histories: Array<{ events: number; bytes: number }> = [];
  for await (const execution of ctx.temporal.workflow.list({ query: `RootWorkflowId = "${root}"` })) {
    const description = await ctx.temporal.workflow.getHandle(execution.workflowId, execution.runId).describe();
    histories.push({ events: description.historyLength, bytes: description.historySize ?? 0 });
  }
  return {
    deliveries: count,
    seconds,
    rate: count / seconds,
    workflows: histories.length,
    historyEvents: histories.reduce((sum, h) => sum + h.events, 0),
    historyBytes: histories.reduce((sum, h) => sum + h.bytes, 0),
    largestHistoryEvents: Math.max(...histories.map((h) => h.events)),
  };
}
