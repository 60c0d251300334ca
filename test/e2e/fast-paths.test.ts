import { afterEach, describe, expect, it } from 'vitest';
import { BATCHES_PER_WORKFLOW, DELIVERIES_PER_BATCH } from '../../workflows/shared.js';
import { ok } from '../support/receiver.js';
import { runConcurrently } from '../support/concurrently.js';
import { useStack } from '../support/stack.js';

// Attempt 2 waits long enough to disable a webhook in between; the rest are quick.
const stack = useStack({ env: { HERALD_RETRY_SCHEDULE: '0,1500ms,20ms,20ms,20ms' } });
afterEach(() => stack.receiver.behave(ok));

describe('batch publish', () => {
  it('publishes many events in one call and delivers each exactly once', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/batch`,
      events: ['batch.a', 'batch.b'],
    });
    const events = Array.from({ length: 40 }, (_, i) => ({
      id: `evt_batch_${i}`,
      type: i % 2 ? 'batch.a' : 'batch.b',
      data: { i },
    }));
    const { events: published } = await stack.herald.client.events.publishBatch.mutate({
      events: [...events, { type: 'batch.unheard', data: {} }],
    });
    expect(published).toHaveLength(41);
    expect(published.slice(0, 40).map((e) => [e.id, e.duplicate, e.deliveries.length])).toEqual(
      events.map((e) => [e.id, false, 1]),
    );
    expect(published[40]!.deliveries).toEqual([]);

    await stack.receiver.waitForRequests(40, { matching: (r) => r.path === '/batch' });
    for (const event of published.slice(0, 40)) {
      expect((await stack.herald.settled(event.deliveries[0]!.id)).status).toBe('succeeded');
      await stack.herald.fanOut(event.id).result();
    }
    const received = stack.receiver.requests.filter((r) => r.path === '/batch').map((r) => JSON.parse(r.rawBody).id);
    expect(received.sort()).toEqual(events.map((e) => e.id).sort());
    expect(hook.events).toEqual(['batch.a', 'batch.b']);

    const again = await stack.herald.client.events.publishBatch.mutate({
      events: [events[0]!, { id: 'evt_batch_new', type: 'batch.a', data: {} }],
    });
    expect(again.events.map((e) => e.duplicate)).toEqual([true, false]);
    expect(again.events[0]!.deliveries[0]!.id).toBe(published[0]!.deliveries[0]!.id);
  });

  it('rejects repeated ids within a batch, empty batches and batches over 500 events', async () => {
    const event = { id: 'evt_twice', type: 'batch.a', data: {} };
    await expect(stack.herald.client.events.publishBatch.mutate({ events: [event, event] })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
    });
    await expect(stack.herald.client.events.publishBatch.mutate({ events: [] })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
    });
    const tooMany = Array.from({ length: 501 }, () => ({ type: 'batch.a', data: {} }));
    await expect(stack.herald.client.events.publishBatch.mutate({ events: tooMany })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
    });
  });
});

describe('first attempts and their fallback', () => {
  it('stops retrying a delivery whose webhook is disabled while it waits, without sending', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/disabled`,
      events: ['disable.midway'],
    });
    stack.receiver.behave((r) => (r.path === '/disabled' ? { status: 502 } : { status: 200 }));
    const published = await stack.herald.client.events.publish.mutate({ type: 'disable.midway', data: {} });
    await stack.receiver.waitForRequests(1, { matching: (r) => r.path === '/disabled' });
    await stack.herald.client.webhooks.update.mutate({ id: hook.id, active: false });

    const delivery = await stack.herald.settled(published.deliveries[0]!.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'not sent: the webhook was deleted or disabled',
    });
    expect(await stack.herald.fanOut(published.id).result()).toEqual({ deliveries: 1, succeeded: 0, failed: 1 });
    expect(stack.receiver.requests.filter((r) => r.path === '/disabled')).toHaveLength(1);
  });

  it(`splits a fan-out wider than ${BATCHES_PER_WORKFLOW * DELIVERIES_PER_BATCH} deliveries into child workflows and delivers to all`, async () => {
    const width = BATCHES_PER_WORKFLOW * DELIVERIES_PER_BATCH + 30;
    await runConcurrently(width, 20, (i) =>
      stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/wide/${i}`, events: ['wide.test'] }),
    );
    const published = await stack.herald.client.events.publish.mutate({ type: 'wide.test', data: {} });
    expect(published.deliveries).toHaveLength(width);

    const result = await stack.herald.fanOut(published.id).result();
    expect(result).toEqual({ deliveries: width, succeeded: width, failed: 0 });
    const child = await stack.herald
      .temporalClient()
      .workflow.getHandle(`${await stack.herald.fanOut(published.id).workflowId()}/part-2`)
      .describe();
    expect(child.status.name).toBe('COMPLETED');
    const paths = new Set(stack.receiver.requests.filter((r) => r.path.startsWith('/wide/')).map((r) => r.path));
    expect(paths.size).toBe(width);
    expect(stack.receiver.requests.filter((r) => r.path.startsWith('/wide/'))).toHaveLength(width);
  });

  it('passes ordering turns on to the child workflow that holds each delivery of a wide fan-out', async () => {
    const width = BATCHES_PER_WORKFLOW * DELIVERIES_PER_BATCH + 30;
    await runConcurrently(width, 20, (i) =>
      stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/keyed/${i}`, events: ['wide.keyed'] }),
    );
    // One batch, one key: at every webhook the second event waits for the first. Its deliveries belong to its root
    // workflow, which is told each turn and passes it to the part that attempts the delivery.
    const { events } = await stack.herald.client.events.publishBatch.mutate({
      events: [1, 2].map((n) => ({ type: 'wide.keyed', data: { n }, orderingKey: 'wide-key' })),
    });
    expect(events[1]!.deliveries.every((d) => d.status === 'queued')).toBe(true);
    expect(await stack.herald.fanOut(events[1]!.id).result()).toEqual({
      deliveries: width,
      succeeded: width,
      failed: 0,
    });
    const keyed = stack.receiver.requests.filter((r) => r.path.startsWith('/keyed/'));
    expect(keyed).toHaveLength(2 * width);
    const firstSeen = new Map<string, number>();
    keyed.forEach((r, i) => {
      const n = (JSON.parse(r.rawBody) as { data: { n: number } }).data.n;
      if (n === 1) firstSeen.set(r.path, i);
      else expect(firstSeen.get(r.path), `${r.path}: event 2 before event 1`).toBeLessThan(i);
    });
  });
});
