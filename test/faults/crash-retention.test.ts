import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/db/database.js';
import { freePort } from '../../server/dev-stack/ports.js';
import { startHerald, type HeraldProcess } from '../support/herald-process.js';
import { waitFor } from '../support/wait-for.js';
import {
  faultEnvironment,
  kill,
  killablePostgres,
  killableTemporal,
  openDatabase,
  scratchDir,
  seeded,
  waitUntilGone,
  withChildren,
} from './support.js';

/**
 * Retention is safe to kill: the reconciler's cleanup works through a large backlog of expired rows while Herald and,
 * in turn, Postgres are SIGKILLed at random moments in the middle of it. Afterwards everything expired is gone,
 * nothing inside its window was deleted, payloads past the shorter window are dropped and the rest kept, no attempt
 * is left without its delivery nor a delivery without its event, and Postgres going away never stopped Herald.
 */
const ROUNDS = 4;
/** Rows per cleanup statement, small so that a small backlog takes many statements to clear. */
const BATCH = 100;
/** Expired, settled events (one delivery, two attempts each): 20 batches, more than the rounds can use up. */
const EXPIRED = 2_000;
const WAITING = 100;
const PAYLOAD_EXPIRED = 500;
const RECENT = 500;

let dir: string;
let postgres: Awaited<ReturnType<typeof killablePostgres>>;
let temporal: Awaited<ReturnType<typeof killableTemporal>>;
let herald: HeraldProcess | undefined;
let db: Db;

beforeAll(async () => {
  dir = await scratchDir('herald-retention-crash-');
  [postgres, temporal] = await Promise.all([killablePostgres(dir), killableTemporal(dir)]);
  db = openDatabase(postgres.url);
});
afterAll(async () => {
  if (herald && !herald.hasExited()) {
    herald.process.kill('SIGTERM');
    await herald.exited;
  }
  await db?.destroy();
  await Promise.all([postgres?.stop(), temporal?.stop()]);
});

/**
 * Writes the history straight to the tables, `ageDays` old, ids prefixed by `prefix`: one event, one delivery and
 * `attempts` attempts each, the last answering with an excerpt that stands for customer data.
 */
async function insertHistory(args: {
  prefix: string;
  count: number;
  ageDays: number;
  status: 'succeeded' | 'pending';
  attempts: number;
}) {
  const at = sql`now() - ${args.ageDays} * interval '1 day'`;
  // Pending ones are due tomorrow: the reconciler, which looks only at overdue deliveries, leaves them alone.
  const next = args.status === 'pending' ? sql`now() + interval '1 day'` : sql`NULL::timestamptz`;
  await sql`
    WITH n AS (SELECT i FROM generate_series(1, ${args.count}) AS i),
    e AS (
      INSERT INTO events (workspace_id, mode, id, type, payload, created_at)
      SELECT 'ws_default', 'live', ${args.prefix} || '_' || i, 'crash.retention', json_build_object('card', i), ${at} FROM n
    ),
    d AS (
      INSERT INTO deliveries (workspace_id, mode, id, event_id, event_type, webhook_id, status, attempt_count,
                              last_status_code, next_attempt_at, workflow_id, created_at, updated_at)
      SELECT 'ws_default', 'live', 'del_' || ${args.prefix} || '_' || i, ${args.prefix} || '_' || i, 'crash.retention',
             'wh_crash_retention', ${args.status}, ${args.attempts}, 200, ${next}, 'gone', ${at}, ${at} FROM n
    )
    INSERT INTO delivery_attempts (id, delivery_id, attempt_number, outcome, requested_at, completed_at, duration_ms,
                                   status_code, response_excerpt)
    SELECT 'att_' || ${args.prefix} || '_' || i || '_' || k, 'del_' || ${args.prefix} || '_' || i, k,
           CASE WHEN k = ${args.attempts} THEN 'succeeded' ELSE 'failed' END, ${at}, ${at}, 42,
           CASE WHEN k = ${args.attempts} THEN 200 ELSE 503 END, 'account ' || i
      FROM n CROSS JOIN generate_series(1, ${args.attempts}) AS k
  `.execute(db);
}

async function counts(prefix: string) {
  const { rows } = await sql<{
    events: number;
    deliveries: number;
    attempts: number;
    payloads: number;
    excerpts: number;
  }>`
    SELECT (SELECT count(*)::int FROM events WHERE id LIKE ${prefix + '\\_%'}) AS events,
           (SELECT count(*)::int FROM events WHERE id LIKE ${prefix + '\\_%'} AND payload IS NOT NULL) AS payloads,
           (SELECT count(*)::int FROM deliveries WHERE id LIKE ${'del_' + prefix + '\\_%'}) AS deliveries,
           (SELECT count(*)::int FROM delivery_attempts WHERE id LIKE ${'att_' + prefix + '\\_%'}) AS attempts,
           (SELECT count(*)::int FROM delivery_attempts
             WHERE id LIKE ${'att_' + prefix + '\\_%'} AND response_excerpt IS NOT NULL) AS excerpts
  `.execute(db);
  return rows[0]!;
}

/** Expired events still there: what the cleanup has yet to delete. */
const remaining = async () =>
  Number(
    (
      await sql<{ n: string }>`SELECT count(*) AS n FROM events
                                WHERE workspace_id = 'ws_default' AND mode = 'live'
                                  AND created_at < now() - interval '35 days'`.execute(db)
    ).rows[0]!.n,
  );

it(`finishes the cleanup correctly through ${ROUNDS} SIGKILLs of Herald and Postgres in the middle of it`, async () => {
  const random = seeded('crash-retention');
  await sql`INSERT INTO webhooks (id, workspace_id, mode, name, url, events, active, secret)
            VALUES ('wh_crash_retention', 'ws_default', 'live', 'history', 'http://127.0.0.1:9/none',
                    ARRAY['crash.retention'], false, 'not a secret: nothing is sent')`.execute(db);
  // Past the 30-day window; past it but still waiting on a retry; past the 20-day payload window only; recent.
  await insertHistory({ prefix: 'evt_expired', count: EXPIRED, ageDays: 40, status: 'succeeded', attempts: 2 });
  await insertHistory({ prefix: 'evt_waiting', count: WAITING, ageDays: 40, status: 'pending', attempts: 1 });
  await insertHistory({ prefix: 'evt_payload', count: PAYLOAD_EXPIRED, ageDays: 25, status: 'succeeded', attempts: 1 });
  await insertHistory({ prefix: 'evt_recent', count: RECENT, ageDays: 5, status: 'succeeded', attempts: 1 });

  const env = faultEnvironment({
    PORT: String(await freePort()),
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporal.address,
    HERALD_RECONCILE_INTERVAL: '200ms',
    HERALD_RETENTION: '30d',
    HERALD_PAYLOAD_RETENTION: '20d',
    HERALD_RETENTION_BATCH: String(BATCH),
  });
  herald = await startHerald('start', env);
  const killed: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A random number of rows into the cleanup, at most two statements on.
    const before = await remaining();
    const target = before - 1 - Math.floor(random() * 2 * BATCH);
    await waitFor(async () => (await remaining()) <= target || undefined, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: `the cleanup to get below ${target} expired events (round ${round})`,
    });
    if (round % 2 === 0) {
      kill(herald.pid);
      await herald.exited;
      killed.push(`herald at ${(await remaining()) - WAITING}`);
      herald = await startHerald('start', env);
    } else {
      const pids = withChildren(postgres.current().process.pid);
      for (const pid of pids) kill(pid);
      await waitUntilGone(pids);
      await postgres.restart();
      killed.push(`postgres at ${(await waitFor(remaining, { what: 'Postgres to answer again' })) - WAITING}`);
      expect(herald.hasExited(), herald.output()).toBe(false);
    }
  }

  await waitFor(async () => (await remaining()) === WAITING || undefined, {
    timeoutMs: 60_000,
    what: 'the cleanup to delete every expired event',
  });
  await waitFor(async () => (await counts('evt_payload')).payloads === 0 || undefined, {
    timeoutMs: 30_000,
    what: 'the cleanup to drop every payload past its window',
  });
  // Everything expired is gone; what still waits on a retry, and everything recent, is whole.
  expect(await counts('evt_expired')).toEqual({ events: 0, deliveries: 0, attempts: 0, payloads: 0, excerpts: 0 });
  expect(await counts('evt_waiting')).toEqual({
    events: WAITING,
    deliveries: WAITING,
    attempts: WAITING,
    payloads: WAITING,
    excerpts: WAITING,
  });
  expect(await counts('evt_payload')).toEqual({
    events: PAYLOAD_EXPIRED,
    deliveries: PAYLOAD_EXPIRED,
    attempts: PAYLOAD_EXPIRED,
    payloads: 0,
    excerpts: 0,
  });
  expect(await counts('evt_recent')).toEqual({
    events: RECENT,
    deliveries: RECENT,
    attempts: RECENT,
    payloads: RECENT,
    excerpts: RECENT,
  });
  const orphans = await sql<{ attempts: number; deliveries: number }>`
    SELECT (SELECT count(*)::int FROM delivery_attempts a
             WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)) AS attempts,
           (SELECT count(*)::int FROM deliveries d
             WHERE NOT EXISTS (SELECT 1 FROM events e
                                WHERE e.workspace_id = d.workspace_id AND e.mode = d.mode AND e.id = d.event_id))
             AS deliveries`.execute(db);
  expect(orphans.rows[0]).toEqual({ attempts: 0, deliveries: 0 });
  // Postgres going away twice never stopped the Herald that was running.
  expect(herald.hasExited(), herald.output()).toBe(false);
  process.stderr.write(`[crash-retention] kills: ${killed.join(', ')} (expired events left at each kill)\n`);
  herald.process.kill('SIGTERM');
  expect(await herald.exited).toBe(0);
});
