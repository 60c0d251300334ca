import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/dev-stack/ports.js';
import { startHerald, type HeraldProcess } from '../support/herald-process.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { waitFor } from '../support/wait-for.js';
import {
  ADMIN_KEY,
  faultEnvironment,
  killablePostgres,
  killableTemporal,
  processesMentioning,
  scratchDir,
} from './support.js';

/**
 * How Herald's processes start and stop, as a supervisor (systemd, Docker, Kubernetes) and a person at a terminal
 * see it: a start that fails exits non-zero at once with nothing left running, SIGTERM ends an API process, and
 * Ctrl-C drains in-flight deliveries before Temporal and Postgres stop.
 */
let dir: string;
let postgres: Awaited<ReturnType<typeof killablePostgres>>;
let temporal: Awaited<ReturnType<typeof killableTemporal>>;
let receiver: Receiver;

beforeAll(async () => {
  dir = await scratchDir('herald-lifecycle-');
  [postgres, temporal, receiver] = await Promise.all([killablePostgres(dir), killableTemporal(dir), startReceiver()]);
});
afterAll(async () => {
  await Promise.all([postgres?.stop(), temporal?.stop(), receiver?.close()]);
});

async function exitWithin(herald: HeraldProcess, ms: number): Promise<{ code: number | string; seconds: number }> {
  const started = Date.now();
  await waitFor(() => herald.hasExited(), {
    timeoutMs: ms,
    intervalMs: 50,
    what: `herald to exit (output so far:\n${herald.output()})`,
  });
  return { code: await herald.exited, seconds: (Date.now() - started) / 1000 };
}

describe('a start that fails', () => {
  it('exits non-zero promptly when DATABASE_URL points where nothing listens, leaving nothing running', async () => {
    const state = path.join(dir, 'state-no-db');
    const herald = await startHerald(
      'start',
      faultEnvironment({
        HERALD_STATE_DIR: state,
        PORT: String(await freePort()),
        DATABASE_URL: `postgres://herald:herald@127.0.0.1:${await freePort()}/herald`,
        HERALD_TEMPORAL_PORT: String(await freePort()),
        HERALD_TEMPORAL_UI_PORT: String(await freePort()),
      }),
      { ready: false },
    );
    const { code } = await exitWithin(herald, 30_000);
    expect(code).toBe(1);
    expect(herald.output()).toMatch(/herald start failed: Cannot reach Postgres .* Check DATABASE_URL/);
    // The dev server it had started for itself is gone too.
    expect(processesMentioning(state)).toEqual([]);
  });

  it('exits non-zero when Temporal cannot be reached, and when its namespace does not exist', async () => {
    const unreachable = await startHerald(
      'api',
      faultEnvironment({
        PORT: String(await freePort()),
        DATABASE_URL: postgres.url,
        TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      }),
      { ready: false },
    );
    expect((await exitWithin(unreachable, 60_000)).code).toBe(1);
    expect(unreachable.output()).toMatch(/herald api failed: Cannot reach Temporal/);

    const noNamespace = await startHerald(
      'api',
      faultEnvironment({
        PORT: String(await freePort()),
        DATABASE_URL: postgres.url,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: 'no-such-namespace',
      }),
      { ready: false },
    );
    expect((await exitWithin(noNamespace, 60_000)).code).toBe(1);
    expect(noNamespace.output()).toMatch(/herald api failed: .*no-such-namespace/);
  });
});

describe('stopping', () => {
  it('ends `herald api` and `herald worker` on SIGTERM, with exit code 0', async () => {
    const env = faultEnvironment({
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      HERALD_TASK_QUEUE: 'lifecycle-sigterm',
    });
    const api = await startHerald('api', { ...env, PORT: String(await freePort()) });
    const worker = await startHerald('worker', env);
    api.process.kill('SIGTERM');
    worker.process.kill('SIGTERM');
    expect(await exitWithin(api, 15_000)).toMatchObject({ code: 0 });
    expect(await exitWithin(worker, 20_000)).toMatchObject({ code: 0 });
  });

  it('on Ctrl-C to the whole process group, finishes the delivery in flight, then stops Temporal and Postgres', async () => {
    const state = path.join(dir, 'state-ctrl-c');
    const env = faultEnvironment({
      HERALD_STATE_DIR: state,
      PORT: String(await freePort()),
      HERALD_POSTGRES_PORT: String(await freePort()),
      HERALD_TEMPORAL_PORT: String(await freePort()),
      HERALD_TEMPORAL_UI_PORT: String(await freePort()),
      HERALD_ATTEMPT_TIMEOUT: '10s',
    });
    // `herald start` leads its own process group, as the shell's foreground job does under `npm start`.
    let herald = await startHerald('start', env, { processGroup: true });
    const headers = { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY };
    await fetch(`${herald.url}/v1/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: `${receiver.url}/slow`, events: ['ctrl.c'] }),
    });
    receiver.behave((request) => (request.path === '/slow' ? { status: 200, delayMs: 3_000 } : { status: 200 }));
    const published = (await (
      await fetch(`${herald.url}/v1/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'ctrl.c', data: {} }),
      })
    ).json()) as { deliveries: Array<{ id: string }> };
    await receiver.waitForRequests(1, { matching: (r) => r.path === '/slow' });

    // What the terminal does on Ctrl-C: SIGINT to every process in the foreground group.
    process.kill(-herald.pid, 'SIGINT');
    const { code, seconds } = await exitWithin(herald, 30_000);
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(15);
    expect(processesMentioning(state)).toEqual([]);

    // Started again on the same state: the attempt that was in flight finished and was recorded.
    herald = await startHerald('start', env);
    try {
      const delivery = (await (
        await fetch(`${herald.url}/v1/deliveries/${published.deliveries[0]!.id}`, { headers })
      ).json()) as {
        attemptLog: Array<{ outcome: string }>;
      };
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(delivery.attemptLog.map((a) => a.outcome)).toEqual(['succeeded']);
      expect(receiver.requests.filter((r) => r.path === '/slow')).toHaveLength(1);
    } finally {
      herald.process.kill('SIGTERM');
      await exitWithin(herald, 30_000);
    }
    expect(processesMentioning(state)).toEqual([]);
  });
});
