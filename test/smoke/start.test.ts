import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../server/dev-stack/ports.js';
import { startHerald, type HeraldProcess } from '../support/herald-process.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

/**
 * What a newcomer does: `npm start` on a fresh state folder (embedded Postgres, the Temporal dev server), create a
 * webhook, publish an event, and see it arrive signed. CI also runs this file under the current Node LTS.
 */
const adminKey = `hk_live_smoke_${crypto.randomBytes(12).toString('hex')}`;
let state: string;
let herald: HeraldProcess | undefined;
let receiver: Receiver | undefined;

afterAll(async () => {
  if (herald && !herald.hasExited()) {
    herald.process.kill('SIGTERM');
    await herald.exited;
  }
  await receiver?.close();
  if (state) await fs.rm(state, { recursive: true, force: true });
});

it(`starts the whole stack and delivers a signed event (Node ${process.versions.node})`, async () => {
  state = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-smoke-'));
  receiver = await startReceiver();
  herald = await startHerald('start', {
    HERALD_STATE_DIR: path.join(state, 'state'),
    PORT: String(await freePort()),
    HERALD_POSTGRES_PORT: String(await freePort()),
    HERALD_TEMPORAL_PORT: String(await freePort()),
    HERALD_TEMPORAL_UI_PORT: String(await freePort()),
    HERALD_ADMIN_KEY: adminKey,
  });
  const call = async (route: string, body: unknown) => {
    const response = await fetch(`${herald!.url}/v1${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
      body: JSON.stringify(body),
    });
    expect(response.ok, await response.clone().text()).toBe(true);
    return (await response.json()) as Record<string, any>;
  };
  const webhook = await call('/webhooks', { url: `${receiver.url}/smoke`, events: ['smoke.test'] });
  const published = await call('/events', { type: 'smoke.test', data: { hello: 'world' } });

  const [request] = await receiver.waitForRequests(1, { timeoutMs: 30_000 });
  expect(JSON.parse(request!.rawBody)).toMatchObject({
    id: published.id,
    type: 'smoke.test',
    data: { hello: 'world' },
  });
  const expected = `sha256=${crypto.createHmac('sha256', webhook.secret).update(request!.rawBody).digest('hex')}`;
  expect(request!.headers['x-webhook-signature']).toBe(expected);

  herald.process.kill('SIGTERM');
  expect(await herald.exited).toBe(0);
});
