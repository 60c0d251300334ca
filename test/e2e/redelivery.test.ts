import { describe, expect, it } from 'vitest';
import { codeOf } from '../support/errors.js';
import { waitFor } from '../support/wait-for.js';
import { useStack } from '../support/stack.js';

let healthy = false;

// Two quick attempts per series, so deliveries fail fast while the endpoint is down.
const stack = useStack({
  env: { HERALD_RETRY_SCHEDULE: '0,20ms' },
  receiver: () => (healthy ? { status: 200, body: 'OK' } : { status: 503 }),
});

describe('deliveries.retry', () => {
  it('runs a new manual series for a failed delivery and records it as manual', async () => {
    healthy = false;
    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/retry`, events: ['retry.me'] });
    const published = await stack.herald.client.events.publish.mutate({ type: 'retry.me', data: {} });
    const id = published.deliveries[0]!.id;
    expect((await stack.herald.settled(id)).status).toBe('failed');
    expect(await codeOf(stack.herald.client.deliveries.retry.mutate({ id: 'del_unknown' }))).toBe('NOT_FOUND');

    healthy = true;
    const retried = await stack.herald.client.deliveries.retry.mutate({ id });
    expect(retried).toMatchObject({ id, status: 'pending', attempts: 2 });
    const delivery = await stack.herald.settled(id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(delivery.attemptLog.map((a) => [a.attemptNumber, a.trigger, a.outcome])).toEqual([
      [1, 'scheduled', 'failed'],
      [2, 'scheduled', 'failed'],
      [3, 'manual', 'succeeded'],
    ]);
    expect(await codeOf(stack.herald.client.deliveries.retry.mutate({ id }))).toBe('CONFLICT');
    const audit = await stack.herald.client.audit.forEntity.query({ entityType: 'delivery', entityId: id });
    expect(audit.data.map((e) => e.event)).toEqual(['deliveries.retry']);
  });

  it('refuses to retry a delivery whose webhook is disabled', async () => {
    healthy = false;
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/off`,
      events: ['retry.off'],
    });
    const published = await stack.herald.client.events.publish.mutate({ type: 'retry.off', data: {} });
    await stack.herald.settled(published.deliveries[0]!.id);
    await stack.herald.client.webhooks.update.mutate({ id: hook.id, active: false });
    await expect(
      stack.herald.client.deliveries.retry.mutate({ id: published.deliveries[0]!.id }),
    ).rejects.toMatchObject({ data: { code: 'CONFLICT' } });
  });
});

describe('webhooks.recover', () => {
  it('redelivers every failed delivery since a time, reporting progress', async () => {
    healthy = false;
    const since = new Date(Date.now() - 1_000).toISOString();
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/recover`,
      events: ['recover.me'],
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await stack.herald.client.events.publish.mutate({ type: 'recover.me', data: { i } })).deliveries[0]!.id,
      );
    for (const id of ids) expect((await stack.herald.settled(id)).status).toBe('failed');

    healthy = true;
    const started = await stack.herald.client.webhooks.recover.mutate({ id: hook.id, since });
    expect(started).toMatchObject({ id: expect.stringMatching(/^rec_/), webhookId: hook.id, state: 'running' });
    const done = await waitFor(async () => {
      const status = await stack.herald.client.recoveries.get.query({ id: started.id });
      return status.state === 'completed' ? status : undefined;
    });
    expect(done.progress).toEqual({ total: 5, processed: 5, succeeded: 5, failed: 0 });
    for (const id of ids) {
      const delivery = await stack.herald.client.deliveries.get.query({ id });
      expect(delivery.status).toBe('succeeded');
      expect(delivery.attemptLog.at(-1)).toMatchObject({ trigger: 'manual', outcome: 'succeeded' });
    }
    expect(await codeOf(stack.herald.client.recoveries.cancel.mutate({ id: started.id }))).toBe('CONFLICT');
    const audit = await stack.herald.client.audit.list.query({ event: 'webhooks.recover', entityId: hook.id });
    expect(audit.data[0]!.diff.after).toEqual({ recoveryId: started.id, since: new Date(since).toISOString() });
  });

  it('can be cancelled while it runs', async () => {
    healthy = false;
    const since = new Date(Date.now() - 1_000).toISOString();
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/slow-recover`,
      events: ['recover.slow'],
    });
    for (let i = 0; i < 3; i++) await stack.herald.client.events.publish.mutate({ type: 'recover.slow', data: { i } });
    await waitFor(
      async () =>
        (await stack.herald.client.webhooks.deliveries.query({ id: hook.id, status: 'failed' })).data.length === 3,
    );

    // The endpoint now answers only after a long pause, so the recovery is still running when it is cancelled.
    stack.receiver.behave(() => ({ status: 200, delayMs: 1_500 }));
    const started = await stack.herald.client.webhooks.recover.mutate({ id: hook.id, since });
    await stack.receiver.waitForRequests(1, {
      matching: (r) => r.path === '/slow-recover' && r.headers['x-webhook-attempt'] === '3',
    });
    const cancelled = await stack.herald.client.recoveries.cancel.mutate({ id: started.id });
    expect(cancelled.state).toBe('cancelled');
    const status = await waitFor(async () => {
      const s = await stack.herald.client.recoveries.get.query({ id: started.id });
      return s.state === 'cancelled' ? s : undefined;
    });
    expect(status.progress!.total).toBe(3);
    expect((await stack.herald.client.audit.list.query({ event: 'recoveries.cancel' })).data[0]!.entityId).toBe(
      started.id,
    );
  });

  it('refuses a time outside the last 14 days', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/old`,
      events: ['recover.old'],
    });
    const tooOld = new Date(Date.now() - 15 * 86_400_000).toISOString();
    await expect(stack.herald.client.webhooks.recover.mutate({ id: hook.id, since: tooOld })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', issues: [{ path: 'since', message: expect.stringMatching(/14 days/) }] },
    });
  });
});
