import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  waitUntilGone,
} from './support.js';

/**
 * A worker SIGKILLed in the middle of a wide fan-out, and endpoints that misbehave on purpose: one that never
 * answers, one that trickles its answer, one that sends 100 MB, one that resets the connection and one that
 * redirects elsewhere. Deliveries end cleanly, each attempt recorded with a one-line reason, the worker's memory
 * stays bounded, and a redirect's target never hears from Herald.
 */
let dir: string;
let postgres: Awaited<ReturnType<typeof killablePostgres>>;
let temporal: Awaited<ReturnType<typeof killableTemporal>>;
let receiver: Receiver;
let elsewhere: Receiver;
let hostile: http.Server;
let resetting: net.Server;
let api: HeraldProcess;
let worker: HeraldProcess;
let env: Record<string, string>;

const headers = { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY };
const servers: http.ServerResponse[] = [];

beforeAll(async () => {
  dir = await scratchDir('herald-workers-');
  [postgres, temporal, receiver, elsewhere] = await Promise.all([
    killablePostgres(dir),
    killableTemporal(dir),
    startReceiver(),
    startReceiver(),
  ]);
  hostile = http.createServer((req, res) => {
    req.resume();
    servers.push(res);
    if (req.url === '/hang') return; // never answers
    if (req.url === '/trickle') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const drip = setInterval(() => res.write('.'), 200);
      res.on('close', () => clearInterval(drip));
      return;
    }
    if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(100 * 2 ** 20) });
      const chunk = Buffer.alloc(2 ** 20, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < 100 && res.write(chunk)) sent++;
        if (sent >= 100) res.end();
      };
      res.on('drain', () => (sent++, pump()));
      pump();
      return;
    }
    if (req.url === '/redirect') {
      res.writeHead(307, { location: `${elsewhere.url}/target` });
      return res.end();
    }
    res.writeHead(404).end();
  });
  resetting = net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
  await Promise.all([
    new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve)),
  ]);
  env = faultEnvironment({
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporal.address,
    HERALD_TASK_QUEUE: 'workers-and-receivers',
  }) as Record<string, string>;
  api = await startHerald('api', { ...env, PORT: String(await freePort()) });
  worker = await startHerald('worker', env);
});
afterAll(async () => {
  for (const process of [api, worker]) {
    if (process && !process.hasExited()) {
      process.process.kill('SIGTERM');
      await process.exited;
    }
  }
  for (const res of servers) res.destroy();
  hostile?.closeAllConnections();
  await Promise.all([
    new Promise((resolve) => hostile?.close(resolve)),
    new Promise((resolve) => resetting?.close(resolve)),
    postgres?.stop(),
    temporal?.stop(),
    receiver?.close(),
    elsewhere?.close(),
  ]);
});

async function createWebhook(url: string, events: string[]) {
  const response = await fetch(`${api.url}/v1/webhooks`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ url, events }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { id: string };
}

function residentMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) / 1024;
}

describe('a worker SIGKILLed in the middle of a fan-out', () => {
  it('leaves nothing undelivered and nothing unrecorded once a new worker takes over', async () => {
    const width = 60;
    for (let i = 0; i < width; i++) await createWebhook(`${receiver.url}/wide/${i}`, ['wide.crash']);
    // Slow answers, so the fan-out is still going when the worker dies.
    receiver.behave(() => ({ status: 200, delayMs: 150 }));
    const events = ['evt_wide_1', 'evt_wide_2', 'evt_wide_3'];
    for (const id of events)
      expect((await publish(api.url!, { id, type: 'wide.crash', data: { id } })).status).toBe(200);
    await receiver.waitForRequests(20, { timeoutMs: 60_000 });
    kill(worker.pid);
    await waitUntilGone([worker.pid]);
    const sentBeforeTheKill = receiver.requests.length;
    worker = await startHerald('worker', env);

    const db = openDatabase(postgres.url);
    try {
      const deliveries = await waitFor(
        async () => {
          const rows = await db
            .selectFrom('deliveries')
            .select(['id', 'event_id', 'webhook_id', 'status'])
            .where('event_id', 'in', events)
            .execute();
          return rows.length === width * events.length && rows.every((r) => r.status === 'succeeded')
            ? rows
            : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, what: `all ${width * events.length} deliveries to succeed` },
      );
      expect(deliveries).toHaveLength(width * events.length);
      const attempts = await db
        .selectFrom('delivery_attempts')
        .select(['delivery_id', 'outcome'])
        .where(
          'delivery_id',
          'in',
          deliveries.map((d) => d.id),
        )
        .execute();
      expect(attempts.filter((a) => a.outcome === 'in_flight')).toEqual([]);
      const received = receiver.requests.filter((r) => events.includes(String(r.headers['webhook-id'])));
      // At least once per delivery; every request that arrived was recorded as an attempt before it left.
      const pairs = new Set(received.map((r) => `${r.headers['webhook-id']} ${r.path}`));
      expect(pairs.size).toBe(width * events.length);
      expect(received.length).toBeLessThanOrEqual(attempts.length);
      process.stderr.write(
        `[workers] killed after ${sentBeforeTheKill} requests; ${deliveries.length} deliveries succeeded with ` +
          `${attempts.length} attempts, ${received.length} requests received (${received.length - pairs.size} repeated)\n`,
      );
    } finally {
      await db.destroy();
      receiver.behave(() => ({ status: 200 }));
    }
  });
});

describe('endpoints that misbehave', () => {
  it('end in clean failed attempts, with bounded worker memory, and a redirect target that sees nothing', async () => {
    const hostileUrl = `http://127.0.0.1:${(hostile.address() as net.AddressInfo).port}`;
    const resetUrl = `http://127.0.0.1:${(resetting.address() as net.AddressInfo).port}`;
    const cases = {
      hang: { url: `${hostileUrl}/hang`, error: /^timeout/ },
      trickle: { url: `${hostileUrl}/trickle`, error: /^timeout/ },
      reset: { url: `${resetUrl}/reset`, error: /^connection reset by the endpoint$/ },
      redirect: { url: `${hostileUrl}/redirect`, error: /^redirect 307 not followed$/ },
    };
    const ids = new Map<string, string>();
    for (const [name, { url }] of Object.entries(cases)) ids.set(name, (await createWebhook(url, [`bad.${name}`])).id);
    await createWebhook(`${hostileUrl}/huge`, ['bad.huge']);
    const memoryBefore = residentMiB(worker.pid);

    const db = openDatabase(postgres.url);
    try {
      for (const name of [...Object.keys(cases), 'huge'])
        expect((await publish(api.url!, { id: `evt_bad_${name}`, type: `bad.${name}`, data: {} })).status).toBe(200);
      const settled = await waitFor(
        async () => {
          const rows = await db
            .selectFrom('deliveries')
            .select(['id', 'event_id', 'status', 'attempt_count'])
            .where('event_id', 'like', 'evt_bad_%')
            .execute();
          return rows.length === 5 && rows.every((r) => r.status !== 'pending') ? rows : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, what: 'the misbehaving endpoints’ deliveries to settle' },
      );
      const byEvent = new Map(settled.map((row) => [row.event_id, row]));
      for (const [name, { error }] of Object.entries(cases)) {
        const delivery = byEvent.get(`evt_bad_${name}`)!;
        expect(delivery, name).toMatchObject({ status: 'failed', attempt_count: 5 });
        const attempts = await db
          .selectFrom('delivery_attempts')
          .select(['outcome', 'error', 'duration_ms'])
          .where('delivery_id', '=', delivery.id)
          .execute();
        expect(attempts, name).toHaveLength(5);
        for (const attempt of attempts) {
          expect(attempt.outcome, name).toBe('failed');
          expect(attempt.error, name).toMatch(error);
          expect(attempt.error, name).not.toMatch(/\n| {4}at /);
          // Never longer than the attempt timeout (2 s), with room for a busy machine.
          expect(attempt.duration_ms!, name).toBeLessThanOrEqual(2_500);
        }
      }
      // A 200 with 100 MB behind it succeeds; Herald keeps its excerpt and stops reading.
      expect(byEvent.get('evt_bad_huge')).toMatchObject({ status: 'succeeded', attempt_count: 1 });
      expect(elsewhere.requests).toEqual([]);
      const memoryAfter = residentMiB(worker.pid);
      process.stderr.write(
        `[receivers] worker resident memory ${memoryBefore.toFixed(0)} MiB before, ${memoryAfter.toFixed(0)} MiB after\n`,
      );
      expect(memoryAfter - memoryBefore).toBeLessThan(64);
    } finally {
      await db.destroy();
    }
    expect(worker.hasExited()).toBe(false);
  });
});
