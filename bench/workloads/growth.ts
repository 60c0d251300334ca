import { sql } from 'kysely';
import { deliveryLogQuery } from '../../server/db/queries/deliveries.js';
import { newId } from '../../server/db/ids.js';
import type { BenchContext } from '../context.js';
import { runConcurrently, sampleData } from './helpers.js';
import { throughput, type ThroughputResult } from './throughput.js';

export interface GrowthResult extends ThroughputResult {
  historyRows: number;
  waiting: number;
  bytesPerDelivery: number;
  plans: Record<string, string>;
  indexScansOnly: boolean;
  /** The most rows any delivery-log query read only to throw away: near zero when each walks the right index. */
  worstRowsFiltered: number;
  /** RSS of the Herald process that did the parking, once every retry waits in Temporal. */
  rssAfterParking: number;
}

/**
 * W5: W1 again, after the tables hold `growthRows` old deliveries (with their events and attempts) and while
 * `waiting` deliveries wait on a long retry in Temporal. Also Postgres bytes per delivery, and the plans of
 * the delivery-log queries.
 */
export async function growth(ctx: BenchContext): Promise<GrowthResult> {
  const historyRows = ctx.options.growthRows;
  await insertHistory(ctx, historyRows);
  const waiting = await parkRetries(ctx, ctx.options.waiting);
  // Parking is 10,000 failed attempts of work, and a Node process keeps the memory high-water of past work. W1 ran
  // on a process that had done nothing yet; so does this run, on a fresh process, while the retries wait in Temporal
  // (they survive the restart: nothing about them lives in the worker).
  const rssAfterParking = ctx.herald.rss();
  ctx.progress(`W5 growth: Herald RSS ${(rssAfterParking / 2 ** 20).toFixed(0)} MiB after parking; restarting it…`);
  await ctx.restartHerald();
  const result = await throughput(ctx, { label: 'W5 growth', type: 'bench.w5', events: ctx.options.events });

  const size = await sql<{ bytes: string; deliveries: number }>`
    SELECT (pg_total_relation_size('deliveries') + pg_total_relation_size('delivery_attempts') + pg_total_relation_size('events'))::text AS bytes,
           (SELECT count(*)::int FROM deliveries) AS deliveries`.execute(ctx.db);
  const plans = await explainDeliveryLog(ctx);
  const indexScansOnly = Object.values(plans).every((plan) => !/Seq Scan on (deliveries|events)/.test(plan));
  const worstRowsFiltered = Math.max(
    0,
    ...Object.values(plans).flatMap((plan) =>
      [...plan.matchAll(/Rows Removed by Filter: (\d+)/g)].map((m) => Number(m[1])),
    ),
  );
  return {
    ...result,
    historyRows,
    waiting,
    bytesPerDelivery: Number(size.rows[0]!.bytes) / size.rows[0]!.deliveries,
    plans,
    indexScansOnly,
    worstRowsFiltered,
    rssAfterParking,
  };
}

/**
 * Old, settled deliveries spread over 100 webhooks, written straight to the tables (setup, not measured), made
 * `ageDays` ago.
 */
export async function insertHistory(ctx: BenchContext, rows: number, ageDays = 0, label = 'W5 growth'): Promise<void> {
  const createdAt = new Date(Date.now() - ageDays * 86_400_000);
  const webhooks = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      ctx.client.webhooks.create.mutate({
        name: `history-${i}`,
        url: `${ctx.receiver.url}/ok/history/${i}`,
        events: ['bench.history'],
        active: false,
      }),
    ),
  );
  const payload = JSON.stringify(sampleData(0));
  const chunk = 5_000;
  for (let done = 0; done < rows; done += chunk) {
    const size = Math.min(chunk, rows - done);
    const batch = Array.from({ length: size }, (_, i) => ({
      event: newId('event'),
      delivery: newId('delivery'),
      attempt: newId('attempt'),
      webhook: webhooks[(done + i) % 100]!.id,
    }));
    await ctx.db.transaction().execute(async (trx) => {
      const scope = { workspace_id: ctx.scope.workspaceId, mode: ctx.scope.mode };
      await trx
        .insertInto('events')
        .values(batch.map((b) => ({ ...scope, id: b.event, type: 'bench.history', payload, created_at: createdAt })))
        .execute();
      await trx
        .insertInto('deliveries')
        .values(
          batch.map((b) => ({
            ...scope,
            id: b.delivery,
            event_id: b.event,
            event_type: 'bench.history',
            webhook_id: b.webhook,
            status: 'succeeded' as const,
            attempt_count: 1,
            last_status_code: 200,
            delivered_at: createdAt,
            created_at: createdAt,
          })),
        )
        .execute();
      await trx
        .insertInto('delivery_attempts')
        .values(
          batch.map((b) => ({
            id: b.attempt,
            delivery_id: b.delivery,
            attempt_number: 1,
            outcome: 'succeeded' as const,
            completed_at: new Date(),
            duration_ms: 3,
            status_code: 200,
            response_excerpt: 'OK',
          })),
        )
        .execute();
    });
    ctx.progress(`${label}: ${(done + size).toLocaleString()}/${rows.toLocaleString()} old deliveries written`);
  }
  await sql`ANALYZE`.execute(ctx.db);
}

/** Deliveries to an endpoint that always fails, left waiting on their long retry (the bench schedule's third entry). */
async function parkRetries(ctx: BenchContext, count: number): Promise<number> {
  if (count === 0) return 0;
  const type = 'bench.w5.waiting';
  await ctx.client.webhooks.create.mutate({ name: 'w5-waiting', url: `${ctx.receiver.url}/fail/w5`, events: [type] });
  await runConcurrently(count, ctx.options.concurrency, (i) =>
    ctx.client.events.publish.mutate({ type, data: sampleData(i) }),
  );
  let lastPrint = 0;
  for (;;) {
    // Two quick attempts, then the long wait: the attempt rows say when every delivery has reached it.
    const row = await sql<{ parked: number }>`
      SELECT count(*)::int AS parked FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE e.type = ${type} AND d.attempt_count >= 2
         AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.outcome = 'in_flight')`.execute(
      ctx.db,
    );
    const parked = row.rows[0]!.parked;
    if (Date.now() - lastPrint > 3_000) {
      ctx.progress(`W5 growth: ${parked}/${count} deliveries waiting on a retry in Temporal`);
      lastPrint = Date.now();
    }
    if (parked >= count) return count;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function explainDeliveryLog(ctx: BenchContext): Promise<Record<string, string>> {
  const sample = await ctx.db
    .selectFrom('deliveries')
    .select(['webhook_id', 'event_id'])
    .where('status', '=', 'succeeded')
    .orderBy('id')
    .limit(1)
    .executeTakeFirstOrThrow();
  const queries = {
    'by webhook': deliveryLogQuery(ctx.db, ctx.scope, { webhookId: sample.webhook_id, limit: 21 }),
    'by webhook, 4xx': deliveryLogQuery(ctx.db, ctx.scope, {
      webhookId: sample.webhook_id,
      statusClass: '4xx',
      limit: 21,
    }),
    'by event type': deliveryLogQuery(ctx.db, ctx.scope, { eventType: 'bench.w1', limit: 21 }),
    'by webhook and status': deliveryLogQuery(ctx.db, ctx.scope, {
      webhookId: sample.webhook_id,
      status: 'failed',
      limit: 21,
    }),
    'by event': deliveryLogQuery(ctx.db, ctx.scope, { eventId: sample.event_id, limit: 21 }),
    'by status': deliveryLogQuery(ctx.db, ctx.scope, { status: 'failed', limit: 21 }),
  };
  const plans: Record<string, string> = {};
  for (const [name, query] of Object.entries(queries)) {
    const rows = await query.explain('text', sql`analyze`);
    plans[name] = rows.map((row) => String(Object.values(row)[0])).join('\n');
  }
  return plans;
}
