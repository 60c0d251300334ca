import { sql } from 'kysely';
import type { BenchContext } from '../context.js';

export { runConcurrently } from '../../test/support/concurrently.js';

export interface Settled {
  succeeded: number;
  failed: number;
  /** Date.now() of the last attempt row written for the workload. */
  lastAttemptAt: number;
}

/**
 * Waits until every delivery of events of `type` is settled, printing progress; fails if nothing moves for
 * two minutes. Returns when the last attempt row was written.
 */
export async function waitForSettled(
  ctx: BenchContext,
  type: string,
  expected: number,
  label: string,
): Promise<Settled> {
  let lastCount = -1;
  let lastMove = Date.now();
  let lastPrint = 0;
  for (;;) {
    const row = await sql<{ succeeded: number; failed: number; total: number }>`
      SELECT count(*) FILTER (WHERE d.status = 'succeeded')::int AS succeeded,
             count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
             count(*)::int AS total
        FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE e.type = ${type}`.execute(ctx.db);
    const { succeeded, failed } = row.rows[0]!;
    const done = succeeded + failed;
    if (done !== lastCount) {
      lastCount = done;
      lastMove = Date.now();
    }
    if (Date.now() - lastPrint > 3_000) {
      ctx.progress(`${label}: ${done.toLocaleString()}/${expected.toLocaleString()} deliveries settled`);
      lastPrint = Date.now();
    }
    if (done >= expected) {
      const last = await sql<{ at: Date }>`
        SELECT max(a.completed_at) AS at FROM delivery_attempts a
          JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON e.id = d.event_id
         WHERE e.type = ${type}`.execute(ctx.db);
      return { succeeded, failed, lastAttemptAt: last.rows[0]!.at.getTime() };
    }
    if (Date.now() - lastMove > 120_000)
      throw new Error(`${label}: stuck at ${done}/${expected} deliveries for two minutes`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The correctness check every workload ends with: every expected delivery recorded exactly once and succeeded,
 * the attempt rows equal to the requests the receiver saw (none missing, none invented), and every event received.
 */
export async function verifyDeliveries(
  ctx: BenchContext,
  check: { type: string; prefix: string; deliveries: number; attempts?: number },
): Promise<void> {
  const problems: string[] = [];
  const counts = await sql<{
    deliveries: number;
    succeeded: number;
    distinct_pairs: number;
    attempts: number;
    unsettled_attempts: number;
  }>`
    SELECT count(DISTINCT d.id)::int AS deliveries,
           count(DISTINCT d.id) FILTER (WHERE d.status = 'succeeded')::int AS succeeded,
           count(DISTINCT (d.event_id, d.webhook_id))::int AS distinct_pairs,
           count(a.id)::int AS attempts,
           count(a.id) FILTER (WHERE a.outcome NOT IN ('succeeded', 'failed'))::int AS unsettled_attempts
      FROM deliveries d JOIN events e ON e.id = d.event_id LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
     WHERE e.type = ${check.type}`.execute(ctx.db);
  const c = counts.rows[0]!;
  const received = await ctx.receiver.stats(check.prefix);
  const receivedPairs = new Set(received.arrivals.map(([path, eventId]) => `${path} ${eventId}`));
  if (c.deliveries !== check.deliveries)
    problems.push(`${c.deliveries} deliveries recorded, expected ${check.deliveries}`);
  if (c.distinct_pairs !== c.deliveries) problems.push('a delivery was recorded twice for the same event and webhook');
  if (c.succeeded !== check.deliveries)
    problems.push(`${c.succeeded} deliveries succeeded, expected ${check.deliveries}`);
  if (c.unsettled_attempts > 0) problems.push(`${c.unsettled_attempts} attempts without an outcome`);
  if (c.attempts !== received.requests)
    problems.push(`${c.attempts} attempt rows but the receiver saw ${received.requests} requests`);
  if (check.attempts !== undefined && c.attempts !== check.attempts)
    problems.push(`${c.attempts} attempts, expected ${check.attempts}`);
  if (receivedPairs.size !== check.deliveries)
    problems.push(`the receiver got ${receivedPairs.size} distinct deliveries, expected ${check.deliveries}`);
  if (problems.length > 0) throw new Error(`Correctness check failed for ${check.type}:\n  ${problems.join('\n  ')}`);
}

/** Samples the Herald process's RSS while `work` runs; returns the peak with the result. */
export async function withPeakRss<T>(
  ctx: BenchContext,
  work: () => Promise<T>,
): Promise<{ result: T; peakRss: number }> {
  let peak = ctx.herald.rss();
  const timer = setInterval(() => (peak = Math.max(peak, ctx.herald.rss())), 250);
  try {
    const result = await work();
    peak = Math.max(peak, ctx.herald.rss());
    return { result, peakRss: peak };
  } finally {
    clearInterval(timer);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function sampleData(i: number) {
  return {
    orderId: `ord_${i}`,
    orderNumber: `ORD-2026-${String(i).padStart(6, '0')}`,
    status: 'SHIPPED',
    carrier: 'UPS',
    total: 4999,
  };
}

/** The fan-out workflow of an event: its id names the publication, so it is read from the event's deliveries. */
export async function fanOutWorkflowIdOf(ctx: BenchContext, eventId: string): Promise<string> {
  const row = await ctx.db
    .selectFrom('deliveries')
    .select('workflow_id')
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  if (!row.workflow_id) throw new Error(`delivery of ${eventId} has no workflow`);
  return row.workflow_id;
}
