import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../server/dev-stack/ports.js';
import { startHerald, type HeraldProcess } from '../support/herald-process.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
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
  settledDeliveries,
  startPublishers,
  waitUntilGone,
  withChildren,
} from './support.js';

/**
 * Herald rides out its dependencies going away: Postgres and the Temporal server are each SIGKILLed and restarted
 * again and again under load. Herald never exits; while a dependency is down every route answers 503 with a
 * Retry-After in the one error shape, /readyz fails and names it within a second while /healthz stays 200 (the
 * process is alive: an orchestrator must not restart it); afterwards nothing is lost.
 */
const OUTAGES = 8;

let dir: string;
let postgres: Awaited<ReturnType<typeof killablePostgres>>;
let temporal: Awaited<ReturnType<typeof killableTemporal>>;
let receiver: Receiver;
let herald: HeraldProcess;

beforeAll(async () => {
  dir = await scratchDir('herald-outages-');
  [postgres, temporal, receiver] = await Promise.all([killablePostgres(dir), killableTemporal(dir), startReceiver()]);
  herald = await startHerald(
    'start',
    faultEnvironment({
      PORT: String(await freePort()),
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_POOL_SIZE: '10',
    }),
  );
});
afterAll(async () => {
  if (herald && !herald.hasExited()) {
    herald.process.kill('SIGTERM');
    await herald.exited;
  }
  await Promise.all([postgres?.stop(), temporal?.stop(), receiver?.close()]);
});

const headers = { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY };

async function expectUnavailable(dependency: 'Postgres' | 'Temporal') {
  // A publish (to a subscribed type: it needs Postgres and Temporal) and a read: both a clean 503 in the one
  // error shape, with the time to wait.
  const published = await publish(herald.url!, { id: `probe_${Date.now()}`, type: 'outage.test', data: {} });
  expect(published.status, published.body).toBe(503);
  expect(published.retryAfter).toBe('5');
  expect(JSON.parse(published.body)).toEqual({
    error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining(`cannot reach ${dependency}`) },
  });
  if (dependency === 'Postgres') {
    const read = await fetch(`${herald.url}/v1/deliveries`, { headers });
    expect(read.status).toBe(503);
  }
  // Readiness fails within a second and names what is down; liveness does not fail for it.
  const started = Date.now();
  const ready = await fetch(`${herald.url}/readyz`);
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(ready.status).toBe(503);
  const checks = ((await ready.json()) as { checks: Record<string, { status: string }> }).checks;
  expect(checks[dependency.toLowerCase()]?.status).toBe('down');
  const alive = await fetch(`${herald.url}/healthz`);
  expect(alive.status).toBe(200);
  expect(((await alive.json()) as { status: string }).status).toBe('degraded');
}

it(`loses nothing through ${OUTAGES} SIGKILLs of Postgres and the Temporal server, and never exits`, async () => {
  await fetch(`${herald.url}/v1/webhooks`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ url: `${receiver.url}/outage`, events: ['outage.test'] }),
  });
  // A third of the events fail their first attempt, so retries are waiting in Temporal when it goes down.
  receiver.behave((request) => {
    const n = Number(/_(\d+)$/.exec(String(request.headers['x-webhook-id']))?.[1] ?? 1);
    return n % 3 === 0 && request.headers['x-webhook-attempt'] === '1' ? { status: 503 } : { status: 200 };
  });
  const publishers = startPublishers({ lanes: 8, prefix: 'evt_outage', type: 'outage.test', target: () => herald.url });

  for (let outage = 0; outage < OUTAGES; outage++) {
    const target = publishers.acknowledged.size + 10 + outage * 3;
    await waitFor(() => publishers.acknowledged.size >= target, {
      timeoutMs: 90_000,
      what: `${target} acknowledged publishes`,
    });
    const dependency = outage % 2 === 0 ? 'Postgres' : 'Temporal';
    const server = dependency === 'Postgres' ? postgres : temporal;
    // The whole server at once, as an orchestrator's kill does: Postgres's backends die with their postmaster.
    const pids = withChildren(server.current().process.pid);
    for (const pid of pids) kill(pid);
    await waitUntilGone(pids);
    await expectUnavailable(dependency);
    await server.restart();
    expect(herald.hasExited(), herald.output()).toBe(false);
  }

  await publishers.finish();
  const db = openDatabase(postgres.url);
  try {
    const deliveries = await settledDeliveries(db, 'evt_outage', 180_000);
    expect(new Set(deliveries.map((d) => d.event_id))).toEqual(publishers.acknowledged);
    const failed = deliveries.filter((d) => d.status !== 'succeeded');
    if (failed.length > 0) {
      const log = await db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where(
          'delivery_id',
          'in',
          failed.map((d) => d.id),
        )
        .orderBy('delivery_id')
        .orderBy('attempt_number')
        .execute();
      process.stderr.write(
        `[outages] failed deliveries' attempts:\n${log.map((a) => `${a.delivery_id} #${a.attempt_number} ${a.outcome} ${a.requested_at.toISOString()} ${a.error}`).join('\n')}\n`,
      );
    }
    expect(failed).toEqual([]);
    const attempts = await db.selectFrom('delivery_attempts').select(['delivery_id', 'outcome']).execute();
    expect(attempts.filter((a) => a.outcome === 'in_flight')).toEqual([]);
    const received = receiver.requests.filter((r) => String(r.headers['x-webhook-id']).startsWith('evt_outage_'));
    // Every request that reached the receiver was recorded as an attempt before it left.
    expect(received.length).toBeLessThanOrEqual(attempts.length);
    process.stderr.write(
      `[outages] ${OUTAGES} outages, ${publishers.acknowledged.size} events delivered, ${attempts.length} attempts, ${received.length} requests received, ` +
        `publish answers ${JSON.stringify(Object.fromEntries(publishers.statuses))}\n`,
    );
    expect(publishers.statuses.get(503) ?? 0).toBeGreaterThan(0);
  } finally {
    await db.destroy();
  }
  expect(herald.hasExited()).toBe(false);
});
