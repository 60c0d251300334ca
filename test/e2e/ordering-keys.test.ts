import { describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../client/index.js';
import type { ReceivedRequest } from '../support/receiver.js';
import { failure } from '../support/errors.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Ordering keys, end to end: events with the same key reach each webhook one at a time, in publish order, whatever
 * fails and is retried on the way; other keys and unordered events are not held up; a webhook that blocks on failure
 * holds the key until the failed delivery is retried or skipped.
 */
const stack = useStack();

/** How long the receiver takes to answer: a next delivery of the key can only arrive after the answer. */
const ANSWER_MS = 40;

interface Seen {
  key: string;
  n: number;
  at: number;
}

const body = (r: ReceivedRequest) => JSON.parse(r.rawBody) as { id: string; data: { key: string; n: number } };

function client() {
  return createHeraldClient({ url: stack.herald.url, apiKey: stack.herald.adminKey });
}

async function statuses(webhookId: string): Promise<Map<string, string>> {
  const rows = await stack.herald.db
    .selectFrom('deliveries')
    .select(['event_id', 'status'])
    .where('webhook_id', '=', webhookId)
    .execute();
  return new Map(rows.map((r) => [r.event_id, r.status]));
}

describe('ordering keys', () => {
  it('delivers each key in publish order, one at a time, retries included, holding up nothing else', async () => {
    const herald = client();
    const path = '/ordered';
    const answers = new Map<string, number>();
    // Event 3 of key "a" fails twice before it succeeds: key "a" must wait for it, key "b" must not.
    stack.receiver.behave((request) => {
      if (request.path !== path) return { status: 200 };
      const { data } = body(request);
      const tries = (answers.get(`${data.key}/${data.n}`) ?? 0) + 1;
      answers.set(`${data.key}/${data.n}`, tries);
      const status = data.key === 'a' && data.n === 3 && tries <= 2 ? 500 : 200;
      return { status, delayMs: ANSWER_MS };
    });
    const webhook = await herald.webhooks.create.mutate({ url: `${stack.receiver.url}${path}`, events: ['order.*'] });
    expect(webhook.orderingOnFailure).toBe('continue');
    await herald.webhooks.create.mutate({ url: `${stack.receiver.url}/unordered`, events: ['order.*'] });

    const perKey = 8;
    const published: Array<{ id: string; key: string; n: number }> = [];
    // Each key publishes in sequence (that is its publish order); the keys race one another, and one batch carries
    // three events of key "c" at once, whose order is their place in the batch.
    await Promise.all(
      ['a', 'b'].map(async (key) => {
        for (let n = 1; n <= perKey; n++) {
          const event = await herald.events.publish.mutate({
            type: 'order.updated',
            data: { key, n },
            orderingKey: `order-${key}`,
          });
          expect(event.orderingKey).toBe(`order-${key}`);
          published.push({ id: event.id, key, n });
        }
      }),
    );
    const batch = await herald.events.publishBatch.mutate({
      events: [1, 2, 3].map((n) => ({ type: 'order.updated', data: { key: 'c', n }, orderingKey: 'order-c' })),
    });
    batch.events.forEach((event, i) => published.push({ id: event.id, key: 'c', n: i + 1 }));
    const unordered = await herald.events.publish.mutate({ type: 'order.updated', data: { key: 'none', n: 1 } });
    expect(unordered.orderingKey).toBeNull();

    const total = 2 * perKey + 3 + 1;
    await waitFor(
      async () => [...(await statuses(webhook.id)).values()].filter((s) => s === 'succeeded').length === total,
      { what: 'every delivery to the ordered webhook succeeded', timeoutMs: 60_000 },
    );
    const seen: Seen[] = stack.receiver.requests
      .filter((r) => r.path === path)
      .map((r) => ({ key: body(r).data.key, n: body(r).data.n, at: r.receivedAt }));
    for (const key of ['a', 'b', 'c']) {
      const order = seen.filter((s) => s.key === key);
      // In publish order (the failed event 3 of "a" comes three times in a row, nothing of "a" in between)...
      const expected = key === 'c' ? [1, 2, 3] : Array.from({ length: perKey }, (_, i) => i + 1);
      const firsts = order.map((s) => s.n).filter((n, i, all) => i === 0 || all[i - 1] !== n);
      expect(firsts, `key ${key}`).toEqual(expected);
      if (key === 'a') expect(order.filter((s) => s.n === 3)).toHaveLength(3);
      // ...and one at a time: each came only after the previous one's answer.
      for (let i = 1; i < order.length; i++)
        expect(order[i]!.at - order[i - 1]!.at, `key ${key}`).toBeGreaterThanOrEqual(ANSWER_MS - 5);
    }
    // The deliveries carry their key; none is left queued, and the unordered one went at once.
    const log = await herald.deliveries.list.query({ webhookId: webhook.id, limit: 100 });
    expect(log.data.filter((d) => d.orderingKey === 'order-a')).toHaveLength(perKey);
    expect(log.data.every((d) => d.status === 'succeeded' && !d.blocking)).toBe(true);
  });

  it('holds a blocking key until the failed delivery is skipped or retried, audited', async () => {
    const herald = client();
    const path = '/blocking';
    let healed = false;
    stack.receiver.behave((request) => {
      if (request.path !== path) return { status: 200 };
      const { data } = body(request);
      return { status: data.n === 2 && !healed ? 503 : 200 };
    });
    const webhook = await herald.webhooks.create.mutate({
      url: `${stack.receiver.url}${path}`,
      events: ['invoice.*'],
      orderingOnFailure: 'block',
    });
    expect(webhook.orderingOnFailure).toBe('block');
    const publish = async (key: string) => {
      const ids: string[] = [];
      for (let n = 1; n <= 4; n++)
        ids.push(
          (await herald.events.publish.mutate({ type: 'invoice.updated', data: { key, n }, orderingKey: key })).id,
        );
      return ids;
    };
    const skipped = await publish('inv-skip');
    const retried = await publish('inv-retry');
    const deliveryOf = async (eventId: string) =>
      (await herald.deliveries.list.query({ eventId, webhookId: webhook.id })).data[0]!;

    // Event 2 fails for good (every attempt of the short test schedule); 3 and 4 wait behind it.
    for (const ids of [skipped, retried]) {
      await waitFor(async () => (await deliveryOf(ids[1]!)).status === 'failed', { what: 'event 2 failed' });
      const blocked = await deliveryOf(ids[1]!);
      expect(blocked.blocking).toBe(true);
      expect((await herald.deliveries.get.query({ id: blocked.id })).blocking).toBe(true);
      expect((await deliveryOf(ids[2]!)).status).toBe('queued');
      expect((await deliveryOf(ids[3]!)).status).toBe('queued');
    }
    const queued = await herald.deliveries.list.query({ webhookId: webhook.id, status: 'queued' });
    expect(queued.data).toHaveLength(4);
    const arrivals = (key: string) =>
      stack.receiver.requests.filter((r) => r.path === path && body(r).data.key === key).map((r) => body(r).data.n);
    expect(arrivals('inv-skip').filter((n) => n > 2)).toEqual([]);

    // Skipping lets 3 and 4 go, in order; event 2 stays failed. Skipping again, or skipping a queued one, is a 409.
    const toSkip = await deliveryOf(skipped[1]!);
    const after = await herald.deliveries.skip.mutate({ id: toSkip.id });
    expect(after).toMatchObject({ status: 'failed', blocking: false });
    await waitFor(() => arrivals('inv-skip').filter((n) => n > 2).length === 2, {
      what: 'events 3 and 4 after the skip',
    });
    expect(arrivals('inv-skip').filter((n) => n !== 2)).toEqual([1, 3, 4]);
    const again = await failure(herald.deliveries.skip.mutate({ id: toSkip.id }));
    expect(again.data?.httpStatus).toBe(409);
    expect(again.message).toMatch(/holds nothing back/);
    const stillQueued = await deliveryOf(retried[2]!);
    expect((await failure(herald.deliveries.skip.mutate({ id: stillQueued.id }))).data?.httpStatus).toBe(409);
    const retryQueued = await failure(herald.deliveries.retry.mutate({ id: stillQueued.id }));
    expect(retryQueued.data?.httpStatus).toBe(409);
    expect(retryQueued.message).toMatch(/earlier event of its ordering key/);

    // Retrying the failed one, once the endpoint is healed, sends it and then the rest, in order.
    healed = true;
    await herald.deliveries.retry.mutate({ id: (await deliveryOf(retried[1]!)).id });
    await waitFor(() => arrivals('inv-retry').filter((n) => n > 2).length === 2, {
      what: 'events 3 and 4 after the retry',
    });
    const order = arrivals('inv-retry');
    expect(order.filter((n, i) => i === 0 || order[i - 1] !== n)).toEqual([1, 2, 3, 4]);

    const audit = await herald.audit.list.query({ entityId: toSkip.id });
    expect(audit.data.map((e) => e.event)).toContain('deliveries.skip');
  });

  it('refuses a key with a scheduled time, a key too long, and the same id with another key', async () => {
    const herald = client();
    const bad = await failure(
      herald.events.publish.mutate({
        type: 'order.updated',
        data: {},
        orderingKey: 'k',
        deliverAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    expect(bad.data?.httpStatus).toBe(400);
    expect(bad.message).toMatch(/ordering key/);
    const long = await failure(
      herald.events.publish.mutate({ type: 'order.updated', data: {}, orderingKey: 'k'.repeat(257) }),
    );
    expect(long.data?.httpStatus).toBe(400);
    await herald.events.publish.mutate({ id: 'evt_same_key', type: 'order.updated', data: {}, orderingKey: 'k1' });
    const again = await herald.events.publish.mutate({
      id: 'evt_same_key',
      type: 'order.updated',
      data: {},
      orderingKey: 'k1',
    });
    expect(again.duplicate).toBe(true);
    const other = await failure(
      herald.events.publish.mutate({ id: 'evt_same_key', type: 'order.updated', data: {}, orderingKey: 'k2' }),
    );
    expect(other.data?.httpStatus).toBe(409);
  });
});
