import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../client/index.js';
import { testEnvironment } from '../support/herald.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/**
 * A webhook limited to 5 deliveries a second (burst 5) gets 40 events at once, delivered by two `herald worker`
 * processes, so the limit can only hold if its state is shared. A webhook without a limit, subscribed to the same
 * events, must not wait for the limited one.
 */
const PER_SECOND = 5;
const BURST = 5;
const EVENTS = 40;

const stack = useStack({ roles: ['api'] });
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  const env = testEnvironment({
    DATABASE_URL: stack.herald.databaseUrl,
    TEMPORAL_ADDRESS: stack.herald.temporalAddress,
    TEMPORAL_NAMESPACE: stack.herald.config.temporal.namespace,
    HERALD_TASK_QUEUE: stack.herald.config.temporal.taskQueue,
  });
  workers.push(...(await Promise.all([startWorkerProcess(env), startWorkerProcess(env)])));
}, 120_000);

afterAll(async () => {
  for (const worker of workers) {
    if (worker.process.exitCode === null) worker.process.kill('SIGTERM');
    await worker.exited;
  }
});

/** The most requests that arrived within any one second: every window starting at an arrival. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + 1_000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe('rate limits', () => {
  it('never sends more than the limit allows, across two workers, and holds back nothing else', async () => {
    const client = createHeraldClient({ url: stack.herald.url, apiKey: stack.herald.adminKey });
    const limited = await client.webhooks.create.mutate({
      url: `${stack.receiver.url}/limited`,
      events: ['rate.tested'],
      rateLimit: { perSecond: PER_SECOND, burst: BURST },
    });
    expect(limited.rateLimit).toEqual({ perSecond: PER_SECOND, burst: BURST });
    await client.webhooks.create.mutate({ url: `${stack.receiver.url}/free`, events: ['rate.tested'] });
    const at = (path: string) => stack.receiver.requests.filter((r) => r.path === path);

    const published = await Promise.all(
      Array.from({ length: EVENTS }, (_, n) => client.events.publish.mutate({ type: 'rate.tested', data: { n } })),
    );

    // The unlimited webhook gets everything while the limited one is still draining.
    await waitFor(() => at('/free').length === EVENTS, { what: 'every event at the unlimited webhook' });
    expect(at('/limited').length).toBeLessThan(EVENTS);

    // Meanwhile the wait is visible, in the API and in /metrics.
    const held = await client.webhooks.get.query({ id: limited.id });
    expect(held.rateLimitBacklog.waiting).toBeGreaterThan(0);
    const metrics = await (await fetch(`${stack.herald.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`herald_rate_limited_deliveries\\{webhook_id="${limited.id}"\\} [1-9]`));

    await waitFor(() => at('/limited').length >= EVENTS, {
      what: 'every event at the limited webhook',
      timeoutMs: 60_000,
    });
    const arrived = at('/limited').map((r) => (JSON.parse(r.rawBody) as { id: string }).id);
    expect(new Set(arrived).size).toBe(EVENTS);
    expect(arrived).toHaveLength(EVENTS);
    expect(new Set(arrived)).toEqual(new Set(published.map((p) => p.id)));

    const busiest = busiestSecond(at('/limited').map((r) => r.receivedAt));
    console.log(`rate limit ${PER_SECOND}/s, burst ${BURST}: at most ${busiest} requests in any one second`);
    expect(busiest).toBeLessThanOrEqual(BURST + PER_SECOND);

    // Waiting counted no attempt: each delivery succeeded at its first, and none waits any more.
    const deliveries = await stack.herald.db
      .selectFrom('deliveries')
      .select(['status', 'attempt_count', 'rate_waiting_since'])
      .where('webhook_id', '=', limited.id)
      .execute();
    await waitFor(
      async () =>
        (
          await stack.herald.db
            .selectFrom('deliveries')
            .select('id')
            .where('webhook_id', '=', limited.id)
            .where('status', '!=', 'succeeded')
            .execute()
        ).length === 0,
      { what: 'every limited delivery recorded as succeeded' },
    );
    expect(deliveries.every((d) => d.attempt_count <= 1)).toBe(true);
    const after = await client.webhooks.get.query({ id: limited.id });
    expect(after.rateLimitBacklog).toEqual({ waiting: 0, oldestWaitSeconds: 0 });
  });

  it('keeps the limit when a resumed webhook sends what was parked', async () => {
    const client = createHeraldClient({ url: stack.herald.url, apiKey: stack.herald.adminKey });
    const hook = await client.webhooks.create.mutate({
      url: `${stack.receiver.url}/resumed`,
      events: ['rate.parked'],
      rateLimit: { perSecond: 2, burst: 2 },
    });
    await client.webhooks.pause.mutate({ id: hook.id });
    const published = await Promise.all(
      Array.from({ length: 10 }, (_, n) => client.events.publish.mutate({ type: 'rate.parked', data: { n } })),
    );
    const parked = () =>
      stack.herald.db
        .selectFrom('deliveries')
        .select(['status', 'attempt_count'])
        .where('webhook_id', '=', hook.id)
        .execute();
    await waitFor(async () => (await parked()).filter((d) => d.status === 'parked').length === 10, {
      what: 'ten parked deliveries',
    });

    await client.webhooks.resume.mutate({ id: hook.id });
    const at = () => stack.receiver.requests.filter((r) => r.path === '/resumed');
    await waitFor(async () => (await parked()).every((d) => d.status === 'succeeded'), {
      what: 'every parked delivery sent',
      timeoutMs: 60_000,
    });
    const arrived = at().map((r) => (JSON.parse(r.rawBody) as { id: string }).id);
    expect(arrived.sort()).toEqual(published.map((p) => p.id).sort());
    const busiest = busiestSecond(at().map((r) => r.receivedAt));
    console.log(`drained at 2/s, burst 2: at most ${busiest} requests in any one second`);
    expect(busiest).toBeLessThanOrEqual(4);
    expect((await parked()).every((d) => d.attempt_count === 1)).toBe(true);
  });

  it('sets, shows, changes and removes a limit, audited, and refuses a limit out of range', async () => {
    const client = createHeraldClient({ url: stack.herald.url, apiKey: stack.herald.adminKey });
    const hook = await client.webhooks.create.mutate({
      url: `${stack.receiver.url}/settings`,
      events: ['rate.set'],
      rateLimit: { perSecond: 2.5 },
    });
    expect(hook.rateLimit).toEqual({ perSecond: 2.5, burst: 3 });
    const changed = await client.webhooks.update.mutate({ id: hook.id, rateLimit: { perSecond: 100, burst: 10 } });
    expect(changed.rateLimit).toEqual({ perSecond: 100, burst: 10 });
    const listed = await client.webhooks.list.query({});
    expect(listed.data.find((w) => w.id === hook.id)?.rateLimit).toEqual({ perSecond: 100, burst: 10 });
    const removed = await client.webhooks.update.mutate({ id: hook.id, rateLimit: null });
    expect(removed.rateLimit).toBeNull();
    const entries = await stack.herald.db
      .selectFrom('audit_log')
      .select(['action', 'diff'])
      .where('entity_id', '=', hook.id)
      .orderBy('id')
      .execute();
    expect(entries.map((e) => e.action)).toEqual(['webhooks.create', 'webhooks.update', 'webhooks.update']);
    expect(JSON.stringify(entries[1]!.diff)).toContain('rateLimit');

    for (const rateLimit of [
      { perSecond: 0 },
      { perSecond: 10_001 },
      { perSecond: 5, burst: 0 },
      { perSecond: 5, burst: 1.5 },
    ]) {
      const response = await fetch(`${stack.herald.url}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.herald.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${stack.receiver.url}/bad`, events: ['rate.set'], rateLimit }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { issues?: Array<{ path: string[] }> } };
      expect(JSON.stringify(body)).toContain('rateLimit');
    }
  });
});
