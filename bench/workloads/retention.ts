import { sql } from 'kysely';
import { createLogger } from '../../server/logger.js';
import { createMetrics } from '../../server/metrics.js';
import { applyRetention } from '../../server/services/retention.js';
import type { BenchContext } from '../context.js';
import { insertHistory } from './growth.js';
import { sampleData } from './helpers.js';
import { throughput, type ThroughputResult } from './throughput.js';

const DAY = 86_400_000;

export interface RetentionBenchResult {
  rows: number;
  /** Deliveries (with their event and attempt) deleted per second by a cleanup running alone. */
  deletedPerSecond: number;
  /** Bytes of events, deliveries and attempts with their indexes: empty, full, after the cleanup, after a vacuum. */
  bytes: { before: number; full: number; deleted: number; vacuumed: number; refilled: number; refilledDeleted: number };
  /** W1 while a cleanup of `rows` more old deliveries runs beside it. */
  w1WithCleanup: ThroughputResult;
  cleanupBesideW1: { deliveries: number; seconds: number };
  /** Retention cycles under a steady publishing load with a short window: the tables' size after each. */
  plateau: PlateauResult;
}

export interface PlateauCycle {
  cycle: number;
  /** Events published (and delivered) during the cycle. */
  published: number;
  /** What the cleanup at the end of the cycle deleted, and the events whose payload it dropped. */
  deleted: { events: number; deliveries: number; attempts: number; payloads: number };
  cleanupSeconds: number;
  /** The window the cleanup applied: since the previous cycle began (payloads: since this one began). */
  windowSeconds: number;
  /** Rows left in the three tables after the cleanup. */
  rows: { events: number; deliveries: number; attempts: number };
  /** Bytes of events, deliveries and attempts with their indexes (pg_total_relation_size): after the cleanup, then after a plain VACUUM. */
  bytesAfterCleanup: number;
  bytesAfterVacuum: number;
}

export interface PlateauResult {
  cycles: PlateauCycle[];
  cycleSeconds: number;
  rate: number;
}

const sizeOf = async (ctx: BenchContext) =>
  Number(
    (
      await sql<{ bytes: string }>`
        SELECT (pg_total_relation_size('events') + pg_total_relation_size('deliveries')
              + pg_total_relation_size('delivery_attempts'))::text AS bytes`.execute(ctx.db)
    ).rows[0]!.bytes,
  );

/**
 * R: retention. `rows` settled deliveries 40 days old are written (setup), then deleted by the cleanup Herald's
 * reconciler runs, alone and timed; the tables' size is taken before, full, after the delete and after a vacuum,
 * then once more after a second fill and delete (steady state: the space freed is reused, so it stops growing).
 * Then W1 runs while a cleanup of as many old deliveries runs beside it.
 */
export async function retention(ctx: BenchContext, rows: number): Promise<RetentionBenchResult> {
  const deps = { db: ctx.db, logger: createLogger('warn', 'bench-retention'), metrics: createMetrics() };
  const settings = { eventsMs: 30 * DAY, payloadMs: 30 * DAY, auditMs: 365 * DAY, budgetMs: 3_600_000 };
  const before = await sizeOf(ctx);
  await insertHistory(ctx, rows, 40, 'R retention');
  const full = await sizeOf(ctx);
  ctx.progress(`R retention: deleting ${rows.toLocaleString()} old deliveries…`);
  const started = performance.now();
  const alone = await applyRetention(deps, settings);
  const seconds = (performance.now() - started) / 1000;
  const deleted = await sizeOf(ctx);
  await sql`VACUUM (ANALYZE) events, deliveries, delivery_attempts`.execute(ctx.db);
  const vacuumed = await sizeOf(ctx);
  await insertHistory(ctx, rows, 40, 'R retention, second fill');
  const refilled = await sizeOf(ctx);
  await applyRetention(deps, settings);
  await sql`VACUUM (ANALYZE) events, deliveries, delivery_attempts`.execute(ctx.db);
  const refilledDeleted = await sizeOf(ctx);

  await insertHistory(ctx, rows, 40, 'R retention, beside W1');
  ctx.progress(`R retention: W1 while a cleanup of ${rows.toLocaleString()} old deliveries runs beside it…`);
  const cleanupStarted = performance.now();
  const cleanup = applyRetention(deps, settings).then((result) => ({
    deliveries: result.deliveries,
    seconds: (performance.now() - cleanupStarted) / 1000,
  }));
  const w1WithCleanup = await throughput(ctx, {
    label: 'R W1 beside a cleanup',
    type: 'bench.r',
    events: ctx.options.events,
  });
  const cleanupBesideW1 = await cleanup;
  const plateau = await retentionPlateau(ctx, deps);
  return {
    rows,
    deletedPerSecond: alone.deliveries / seconds,
    bytes: { before, full, deleted, vacuumed, refilled, refilledDeleted },
    w1WithCleanup,
    cleanupBesideW1,
    plateau,
  };
}

/**
 * The plateau: cycles of a steady, open-loop publishing load (`retentionRate` events a second for
 * `retentionCycleSeconds`), each ended, once its deliveries have settled, by the cleanup with a window of two cycles
 * (events published before the previous cycle began go; payloads go after one cycle), then a plain VACUUM (what autovacuum does on its own schedule: it marks the deleted rows' space reusable without giving it back
 * to the operating system). Once the window is full, each cycle deletes about what it added and the new rows fill
 * the space the deleted ones left, so the size levels off instead of growing. The rows R's earlier stages left go in
 * the first cycles.
 */
async function retentionPlateau(ctx: BenchContext, deps: Parameters<typeof applyRetention>[0]): Promise<PlateauResult> {
  const { retentionCycles: cycles, retentionCycleSeconds: cycleSeconds, retentionRate: rate } = ctx.options;
  const type = 'bench.plateau';
  await ctx.client.webhooks.create.mutate({ name: 'plateau', url: `${ctx.receiver.url}/ok/plateau`, events: [type] });
  const result: PlateauCycle[] = [];
  // The windows are counted in cycles, whatever a cycle takes on the machine (publishing, then settling).
  const cycleStarts: number[] = [];
  for (let cycle = 1; cycle <= cycles; cycle++) {
    ctx.progress(`R plateau: cycle ${cycle}/${cycles}, ${rate} events/s for ${cycleSeconds} s…`);
    const events = Math.round(rate * cycleSeconds);
    cycleStarts.push(Date.now());
    const started = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < events; i++) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sends.push(publishRetrying(ctx, { id: `evt_rp_${cycle}_${i}`, type, data: sampleData(i) }));
    }
    await Promise.all(sends);
    // Deliveries still pending are kept by the cleanup: wait for the cycle's to settle so each cycle compares alike.
    await settled(ctx, type, `R plateau cycle ${cycle}`);
    const cleanupStarted = performance.now();
    const windowMs = Date.now() - cycleStarts[Math.max(0, cycle - 2)]!;
    const payloadWindowMs = Date.now() - cycleStarts[cycle - 1]!;
    const deleted = await applyRetention(deps, {
      eventsMs: windowMs,
      payloadMs: payloadWindowMs,
      auditMs: 365 * DAY,
      budgetMs: 3_600_000,
    });
    const cleanupSeconds = (performance.now() - cleanupStarted) / 1000;
    const bytesAfterCleanup = await sizeOf(ctx);
    await sql`VACUUM events, deliveries, delivery_attempts`.execute(ctx.db);
    const bytesAfterVacuum = await sizeOf(ctx);
    const rows = (
      await sql<{ events: number; deliveries: number; attempts: number }>`
        SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM deliveries) AS deliveries,
               (SELECT count(*)::int FROM delivery_attempts) AS attempts`.execute(ctx.db)
    ).rows[0]!;
    result.push({
      cycle,
      published: events,
      deleted: {
        events: deleted.events,
        deliveries: deleted.deliveries,
        attempts: deleted.attempts,
        payloads: deleted.payloads,
      },
      cleanupSeconds,
      windowSeconds: windowMs / 1000,
      rows,
      bytesAfterCleanup,
      bytesAfterVacuum,
    });
    ctx.progress(
      `R plateau: cycle ${cycle}: ${(bytesAfterVacuum / 2 ** 20).toFixed(1)} MiB, ${rows.deliveries} deliveries kept, ${deleted.deliveries} deleted`,
    );
  }
  return { cycles: result, cycleSeconds, rate };
}

/** Until no delivery of `type` is pending (every publish was answered, so every delivery exists); two minutes at most. */
async function settled(ctx: BenchContext, type: string, label: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { pending } = (
      await sql<{ pending: number }>`
        SELECT count(*)::int AS pending FROM deliveries WHERE event_type = ${type} AND status = 'pending'`.execute(
        ctx.db,
      )
    ).rows[0]!;
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${label}: ${pending} deliveries still pending after two minutes`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * One publish, retried with the same id while Herald answers 503 (a busy pool on a loaded machine), as the API asks
 * its callers to do: a steady load keeps coming whatever the answers.
 */
async function publishRetrying(
  ctx: BenchContext,
  event: { id: string; type: string; data: Record<string, unknown> },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.client.events.publish.mutate(event);
      return;
    } catch (error) {
      const status = (error as { data?: { httpStatus?: number } }).data?.httpStatus;
      if (status !== 503 || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
