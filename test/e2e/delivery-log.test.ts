import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { useStack } from '../support/stack.js';

let hookId: string;
let otherHookId: string;
let startedAt: string;

/** 12 deliveries to one webhook with known outcomes: 200s, 404s, 500s and refused connections. */
const stack = useStack({
  env: { HERALD_RETRY_SCHEDULE: '0' },
  receiver: (r) => {
    const n = Number(JSON.parse(r.rawBody).data.n);
    return { status: [200, 404, 500][n % 3]! };
  },
});
beforeAll(async () => {
  startedAt = new Date(Date.now() - 1_000).toISOString();
  hookId = (
    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/log`, events: ['log.a', 'log.b'] })
  ).id;
  otherHookId = (
    await stack.herald.client.webhooks.create.mutate({ url: 'http://127.0.0.1:9/refused', events: ['log.a'] })
  ).id;
  for (let n = 0; n < 12; n++)
    await stack.herald.client.events.publish.mutate({ type: n < 6 ? 'log.a' : 'log.b', data: { n } });
  await waitFor(
    async () => (await stack.herald.client.deliveries.list.query({ status: 'pending' })).data.length === 0 || undefined,
  );
});

describe('delivery log', () => {
  it('lists a webhook’s deliveries newest first in the documented shape', async () => {
    const page = await stack.herald.client.webhooks.deliveries.query({ id: hookId, limit: 100 });
    expect(page.data).toHaveLength(12);
    expect(page.data.map((d) => d.id)).toEqual([...page.data.map((d) => d.id)].sort().reverse());
    expect(page.data[0]).toEqual({
      id: expect.stringMatching(/^del_/),
      eventId: expect.stringMatching(/^evt_/),
      eventType: 'log.b',
      webhookId: hookId,
      status: expect.stringMatching(/succeeded|failed/),
      statusCode: expect.any(Number),
      attempts: 1,
      deliveredAt: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
      error: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
      // Settled: nothing is due.
      nextAttemptAt: null,
      // Its event has no ordering key.
      orderingKey: null,
      blocking: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('filters by status, status class, event type and event', async () => {
    const of = (filter: Parameters<typeof stack.herald.client.deliveries.list.query>[0]) =>
      stack.herald.client.deliveries.list.query({ limit: 100, ...filter }).then((page) => page.data);
    expect((await of({ webhookId: hookId, status: 'succeeded' })).map((d) => d.statusCode)).toEqual(Array(4).fill(200));
    expect(await of({ webhookId: hookId, status: 'failed' })).toHaveLength(8);
    expect((await of({ webhookId: hookId, statusClass: '4xx' })).every((d) => d.statusCode === 404)).toBe(true);
    expect(await of({ webhookId: hookId, statusClass: '4xx' })).toHaveLength(4);
    expect(await of({ webhookId: hookId, statusClass: '5xx' })).toHaveLength(4);
    expect(await of({ webhookId: hookId, statusClass: '2xx' })).toHaveLength(4);
    const network = await of({ statusClass: 'network' });
    expect(network).toHaveLength(6);
    expect(
      network.every((d) => d.webhookId === otherHookId && d.statusCode === null && d.error === 'connection refused'),
    ).toBe(true);
    expect(await of({ webhookId: hookId, eventType: 'log.b' })).toHaveLength(6);
    const one = (await of({ webhookId: hookId }))[0]!;
    expect((await of({ eventId: one.eventId })).map((d) => d.id)).toEqual([one.id]);
  });

  it('filters by time range', async () => {
    const all = await stack.herald.client.deliveries.list.query({ limit: 100, from: startedAt });
    expect(all.data).toHaveLength(18);
    expect((await stack.herald.client.deliveries.list.query({ limit: 100, to: startedAt })).data).toHaveLength(0);
    const middle = all.data[9]!.createdAt;
    const later = await stack.herald.client.deliveries.list.query({ limit: 100, from: middle });
    expect(later.data.length).toBeGreaterThanOrEqual(1);
    expect(later.data.length).toBeLessThan(18);
    expect(later.data.every((d) => d.createdAt >= middle)).toBe(true);
  });

  it('pages with a cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await stack.herald.client.webhooks.deliveries.query({ id: hookId, limit: 5, cursor });
      seen.push(...page.data.map((d) => d.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
  });
});
