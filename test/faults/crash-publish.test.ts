import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../server/dev-stack/ports.js';
import { startHerald, type HeraldProcess } from '../support/herald-process.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { waitFor } from '../support/wait-for.js';
import {
  ADMIN_KEY,
  faultEnvironment,
  kill,
  openDatabase,
  processesMentioning,
  scratchDir,
  seeded,
  settledDeliveries,
  startPublishers,
  waitUntilGone,
  withChildren,
} from './support.js';

/**
 * Herald's promise: an acknowledged event is delivered, whatever crashes. A whole `herald start` process tree
 * (Herald, its Postgres and its Temporal dev server) is SIGKILLed again and again at random moments while
 * clients publish a steady stream and retry every failed call with the same event id until it is acknowledged.
 */
const KILLS = 16;

let dir: string;
let receiver: Receiver;
let herald: HeraldProcess | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await scratchDir('herald-crash-');
  receiver = await startReceiver();
  env = faultEnvironment({
    HERALD_STATE_DIR: path.join(dir, 'state'),
    PORT: String(await freePort()),
    HERALD_POSTGRES_PORT: String(await freePort()),
    HERALD_TEMPORAL_PORT: String(await freePort()),
    HERALD_TEMPORAL_UI_PORT: String(await freePort()),
  }) as Record<string, string>;
});
afterAll(async () => {
  if (herald && !herald.hasExited()) {
    herald.process.kill('SIGTERM');
    await herald.exited;
  }
  await receiver?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Herald and the servers it started, all at once, with no chance to clean up: a power cut for this stack. */
async function killWholeTree(target: HeraldProcess): Promise<void> {
  // Its servers name the state folder on their command lines (data folder, database file).
  const pids = [target.pid, ...processesMentioning(path.join(dir, 'state')).flatMap(withChildren)];
  for (const pid of pids) {
    kill(-pid);
    kill(pid);
  }
  await target.exited;
  await waitUntilGone(pids);
}

it(`delivers every acknowledged event after ${KILLS} kills of the whole process tree`, async () => {
  const random = seeded('crash-publish');
  herald = await startHerald('start', env);
  const created = await fetch(`${herald.url}/v1/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
    body: JSON.stringify({ url: `${receiver.url}/crash`, events: ['crash.test'] }),
  });
  expect(created.ok).toBe(true);
  const publishers = startPublishers({
    lanes: 16,
    prefix: 'evt_crash',
    type: 'crash.test',
    target: () => (herald?.hasExited() ? undefined : herald?.url),
  });

  for (let round = 0; round < KILLS; round++) {
    const during = round % 4 === 3 ? 'start-up' : 'load';
    if (during === 'load') {
      // A random number of acknowledgements into this life of the stack, with publishes always in flight.
      const target = publishers.acknowledged.size + 1 + Math.floor(random() * 40);
      await waitFor(() => publishers.acknowledged.size >= target, {
        timeoutMs: 60_000,
        what: `${target} acknowledged publishes`,
      });
    }
    await killWholeTree(herald);
    if (during === 'start-up') {
      // Killed again while it starts: after Postgres, while the dev server and the migrations come up.
      const starting = await startHerald('start', env, { ready: false });
      await waitFor(() => starting.output().includes('Starting the Temporal dev server'), {
        timeoutMs: 60_000,
        what: 'the restart to get going',
      });
      await killWholeTree(starting);
    }
    herald = await startHerald('start', env);
  }

  await publishers.finish();
  const acknowledged = [...publishers.acknowledged];
  const db = openDatabase(`postgres://herald:herald@127.0.0.1:${env.HERALD_POSTGRES_PORT}/herald`);
  try {
    const deliveries = await settledDeliveries(db, 'evt_crash', 120_000);
    // Exactly the acknowledged events were stored, each with its one delivery, and every delivery succeeded.
    expect(new Set(deliveries.map((d) => d.event_id))).toEqual(new Set(acknowledged));
    expect(deliveries).toHaveLength(acknowledged.length);
    expect(deliveries.filter((d) => d.status !== 'succeeded')).toEqual([]);

    // Every request the receiver got was recorded as an attempt first; a second copy of an event only ever
    // follows an attempt whose outcome a kill cut off (at-least-once, never more).
    const attempts = await db.selectFrom('delivery_attempts').select(['delivery_id', 'outcome']).execute();
    expect(attempts.filter((a) => a.outcome === 'in_flight')).toEqual([]);
    const received = new Map<string, number>();
    for (const request of receiver.requests)
      received.set(
        String(request.headers['x-webhook-id']),
        (received.get(String(request.headers['x-webhook-id'])) ?? 0) + 1,
      );
    let duplicates = 0;
    for (const delivery of deliveries) {
      const copies = received.get(delivery.event_id) ?? 0;
      const mine = attempts.filter((a) => a.delivery_id === delivery.id);
      expect(copies, `copies of ${delivery.event_id}`).toBeGreaterThanOrEqual(1);
      expect(copies, `copies of ${delivery.event_id}`).toBeLessThanOrEqual(mine.length);
      expect(copies - 1, `copies of ${delivery.event_id}`).toBeLessThanOrEqual(
        mine.filter((a) => a.outcome === 'interrupted').length,
      );
      duplicates += copies - 1;
    }
    process.stderr.write(
      `[crash-publish] ${KILLS} kills (+${Math.floor(KILLS / 4)} during start-up), ${acknowledged.length} events acknowledged and delivered, ` +
        `${duplicates} duplicate copies after interrupted attempts, publish answers ${JSON.stringify(Object.fromEntries(publishers.statuses))}\n`,
    );
  } finally {
    await db.destroy();
  }
  herald.process.kill('SIGTERM');
  expect(await herald.exited).toBe(0);
  expect(processesMentioning(path.join(dir, 'state'))).toEqual([]);
});
