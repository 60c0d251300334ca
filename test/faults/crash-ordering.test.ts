import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/db/database.js';
import { freePort } from '../../server/dev-stack/ports.js';
import { startHerald, type HeraldProcess } from '../support/herald-process.js';
import { type ReceivedRequest, startReceiver, type Receiver } from '../support/receiver.js';
import { waitFor } from '../support/wait-for.js';
import {
  ADMIN_KEY,
  faultEnvironment,
  kill,
  killablePostgres,
  killableTemporal,
  openDatabase,
  publish,
  scratchDir,
  seeded,
  waitUntilGone,
  withChildren,
} from './support.js';

/**
 * Ordering keys hold through crashes: hundreds of events on a handful of keys go to two webhooks through a receiver
 * that fails a quarter of its requests, while Herald is SIGKILLed again and again, and Postgres and the Temporal
 * server once each. Afterwards every acknowledged event reached both webhooks, and each webhook saw each key's events
 * in publish order: never an event before one published earlier on its key (a repeat of the same event, after an
 * attempt a kill cut off, is at-least-once), every request recorded as an attempt first, and Herald never exited
 * on its own because a dependency went away.
 */
const KEYS = 5;
const EVENTS_PER_KEY = 60;
const WEBHOOKS = ['/first', '/second'];
/** Kills, in order, each at a random point of the run. */
const KILLS: Array<'herald' | 'postgres' | 'temporal'> = [
  'herald',
  'herald',
  'postgres',
  'herald',
  'temporal',
  'herald',
];
const FAILURE_SHARE = 0.25;

let dir: string;
let postgres: Awaited<ReturnType<typeof killablePostgres>>;
let temporal: Awaited<ReturnType<typeof killableTemporal>>;
let receiver: Receiver;
let herald: HeraldProcess | undefined;
let db: Db;
const random = seeded('crash-ordering');

beforeAll(async () => {
  dir = await scratchDir('herald-ordering-crash-');
  [postgres, temporal] = await Promise.all([killablePostgres(dir), killableTemporal(dir)]);
  db = openDatabase(postgres.url);
  // Answers only after a short while, so kills often land while a request is out.
  receiver = await startReceiver(() => (random() < FAILURE_SHARE ? { status: 500 } : { status: 200, delayMs: 5 }));
});
afterAll(async () => {
  if (herald && !herald.hasExited()) {
    herald.process.kill('SIGTERM');
    await herald.exited;
  }
  await receiver?.close();
  await db?.destroy();
  await Promise.all([postgres?.stop(), temporal?.stop()]);
});

interface Arrival {
  webhook: string;
  key: number;
  n: number;
  eventId: string;
}

function arrival(request: ReceivedRequest): Arrival {
  const body = JSON.parse(request.rawBody) as { id: string; data: { key: number; n: number } };
  return { webhook: request.path, key: body.data.key, n: body.data.n, eventId: body.id };
}

it(`keeps every key in publish order through ${KILLS.length} kills of Herald, Postgres and Temporal`, async () => {
  const env = faultEnvironment({
    PORT: String(await freePort()),
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporal.address,
  });
  herald = await startHerald('start', env);
  for (const path of WEBHOOKS) {
    const created = await fetch(`${herald.url}/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
      body: JSON.stringify({ url: `${receiver.url}${path}`, events: ['order.sequenced'] }),
    });
    expect(created.ok).toBe(true);
  }

  // One publisher per key, each event acknowledged before the next (that is the key's publish order), a failed
  // call retried with the same id until it is.
  const acknowledged: string[] = [];
  const answers = new Map<number, number>();
  const publishers = Array.from({ length: KEYS }, async (_, key) => {
    for (let n = 0; n < EVENTS_PER_KEY; n++) {
      const event = { id: `evt_ord_${key}_${n}`, type: 'order.sequenced', data: { key, n }, orderingKey: `key-${key}` };
      for (;;) {
        const url = herald?.hasExited() ? undefined : herald?.url;
        const result = url ? await publish(url, event) : { status: 0, body: 'down' };
        answers.set(result.status, (answers.get(result.status) ?? 0) + 1);
        if (result.status === 200) break;
        if (result.status >= 400 && result.status !== 503)
          throw new Error(`publish of ${event.id} failed for good: ${result.status} ${result.body}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      acknowledged.push(event.id);
    }
  });

  const killed: string[] = [];
  const total = KEYS * EVENTS_PER_KEY;
  for (const [round, target] of KILLS.entries()) {
    // Somewhere in this round's share of the publishes, with deliveries always in flight.
    const at = Math.floor(((round + random()) / (KILLS.length + 1)) * total);
    await waitFor(() => acknowledged.length >= at, { timeoutMs: 120_000, what: `${at} acknowledged publishes` });
    expect(herald.hasExited(), `herald exited on its own before kill ${round + 1}:\n${herald.output()}`).toBe(false);
    if (target === 'herald') {
      kill(herald.pid);
      await herald.exited;
      herald = await startHerald('start', env);
    } else {
      const server = target === 'postgres' ? postgres : temporal;
      const pids = withChildren(server.current().process.pid);
      for (const pid of pids) kill(pid);
      await waitUntilGone(pids);
      await server.restart();
    }
    killed.push(`${target} after ${acknowledged.length} acknowledged`);
  }
  await Promise.all(publishers);
  expect(herald.hasExited(), `herald exited on its own:\n${herald.output()}`).toBe(false);

  // Every delivery settles: none left pending or queued.
  const deliveries = await waitFor(
    async () => {
      const rows = await db
        .selectFrom('deliveries')
        .select(['id', 'event_id', 'webhook_id', 'status', 'ordering_seq'])
        .where('event_id', 'like', 'evt_ord_%')
        .execute();
      return rows.length === total * WEBHOOKS.length &&
        rows.every((r) => r.status === 'succeeded' || r.status === 'failed')
        ? rows
        : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500, what: 'every delivery of the run to settle' },
  );
  expect(new Set(deliveries.map((d) => d.event_id))).toEqual(new Set(acknowledged));

  // Each webhook saw each key in publish order: arrivals never go back to an earlier event of the key.
  const arrivals = receiver.requests.map(arrival);
  let repeats = 0;
  for (const webhook of WEBHOOKS)
    for (let key = 0; key < KEYS; key++) {
      const seen = arrivals.filter((a) => a.webhook === webhook && a.key === key).map((a) => a.n);
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!, `${webhook} key ${key}: ${seen.join(',')}`).toBeGreaterThanOrEqual(seen[i - 1]!);
        if (seen[i] === seen[i - 1]) repeats++;
      }
    }

  // Succeeded deliveries were received; a failed one used every attempt (continue: the next went anyway). Every
  // request was an attempt recorded first: no more copies than attempts, no attempt left in flight.
  const attempts = await db
    .selectFrom('delivery_attempts')
    .innerJoin('deliveries', 'deliveries.id', 'delivery_attempts.delivery_id')
    .select(['delivery_attempts.delivery_id', 'delivery_attempts.outcome'])
    .where('deliveries.event_id', 'like', 'evt_ord_%')
    .execute();
  expect(attempts.filter((a) => a.outcome === 'in_flight')).toEqual([]);
  const webhookPath = new Map(
    (await db.selectFrom('webhooks').select(['id', 'url']).execute()).map((w) => [w.id, new URL(w.url).pathname]),
  );
  let failed = 0;
  for (const delivery of deliveries) {
    const copies = arrivals.filter(
      (a) => a.eventId === delivery.event_id && a.webhook === webhookPath.get(delivery.webhook_id),
    ).length;
    const mine = attempts.filter((a) => a.delivery_id === delivery.id).length;
    expect(copies, `copies of ${delivery.event_id}`).toBeLessThanOrEqual(mine);
    if (delivery.status === 'succeeded') expect(copies).toBeGreaterThanOrEqual(1);
    else failed++;
  }
  process.stderr.write(
    `[crash-ordering] ${total} events on ${KEYS} keys to ${WEBHOOKS.length} webhooks, ${arrivals.length} requests ` +
      `(${repeats} repeats of an event after a cut attempt or a failure), ${failed} deliveries failed for good; ` +
      `kills: ${killed.join('; ')}; publish answers ${JSON.stringify(Object.fromEntries(answers))}\n`,
  );
  herald.process.kill('SIGTERM');
  expect(await herald.exited).toBe(0);
});
