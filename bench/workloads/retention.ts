import { sql } from 'kysely';
import { createLogger } from '../../server/logger.js';
import { createMetrics } from '../../server/metrics.js';
import { applyRetention } from '../../server/services/retention.js';
import type { BenchContext } from '../context.js';
import { insertHistory } from './growth.js';
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
  return {
    rows,
    deletedPerSecond: alone.deliveries / seconds,
    bytes: { before, full, deleted, vacuumed, refilled, refilledDeleted },
    w1WithCleanup,
    cleanupBesideW1,
  };
}
