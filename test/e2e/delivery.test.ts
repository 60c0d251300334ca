import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ok, startReceiver } from '../support/receiver.js';
import { useStack } from '../support/stack.js';

/** A typical Express receiver: it verifies `sha256=<hex>` over the re-serialised parsed body. */
function expressReceiverVerify(parsedBody: unknown, signature: string, secret: string): boolean {
  const payload = JSON.stringify(parsedBody);
  const expected = crypto.createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
  const trusted = Buffer.from(`sha256=${expected}`, 'utf8');
  const untrusted = Buffer.from(signature, 'utf8');
  return trusted.length === untrusted.length && crypto.timingSafeEqual(trusted, untrusted);
}

// Five attempts 20 ms apart, and a 1 s attempt timeout, so failure paths finish quickly.
const stack = useStack({ env: { HERALD_ATTEMPT_TIMEOUT: '1s' } });
afterEach(() => stack.receiver.behave(ok));

async function createWebhook(path: string, events = ['order.shipped'], extra: { active?: boolean } = {}) {
  return stack.herald.client.webhooks.create.mutate({
    name: path,
    url: `${stack.receiver.url}${path}`,
    events,
    ...extra,
  });
}

describe('delivering an event', () => {
  it('POSTs one signed envelope that a typical receiver accepts, and records the delivery and its attempt', async () => {
    const webhook = await createWebhook('/signed');
    const data = {
      orderId: 'ord_abc123',
      status: 'SHIPPED',
      carrier: 'UPS',
      nested: { z: 1, a: [1, 'two'] },
      text: 'Grüße "quoted" \n',
    };
    const published = await stack.herald.client.events.publish.mutate({ type: 'order.shipped', data });
    expect(published.deliveries).toEqual([
      { id: expect.stringMatching(/^del_/), webhookId: webhook.id, status: 'pending' },
    ]);

    const [request] = await stack.receiver.waitForRequests(1, { matching: (r) => r.path === '/signed' });
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toMatch(/^Herald\/\d+\.\d+\.\d+/);
    expect(request!.headers['x-webhook-id']).toBe(published.id);
    expect(request!.headers['x-webhook-event']).toBe('order.shipped');
    expect(request!.headers['x-webhook-attempt']).toBe('1');

    const body = JSON.parse(request!.rawBody);
    expect(body).toEqual({ id: published.id, type: 'order.shipped', createdAt: published.createdAt, data });
    expect(Object.keys(body)).toEqual(['id', 'type', 'createdAt', 'data']);
    expect(request!.rawBody).toBe(JSON.stringify(body));
    expect(expressReceiverVerify(body, String(request!.headers['x-webhook-signature']), webhook.secret)).toBe(true);
    expect(
      expressReceiverVerify(body, String(request!.headers['x-webhook-signature']), 'whsec_someone_elses_secret'),
    ).toBe(false);

    const delivery = await stack.herald.settled(published.deliveries[0]!.id);
    expect(delivery).toMatchObject({
      status: 'succeeded',
      statusCode: 200,
      attempts: 1,
      error: null,
      eventId: published.id,
      webhookId: webhook.id,
    });
    expect(delivery.deliveredAt).not.toBeNull();
    expect(delivery.attemptLog).toEqual([
      expect.objectContaining({
        attemptNumber: 1,
        trigger: 'scheduled',
        outcome: 'succeeded',
        statusCode: 200,
        error: null,
        responseExcerpt: 'OK',
      }),
    ]);
    expect(stack.receiver.requests.filter((r) => r.path === '/signed')).toHaveLength(1);
  });

  it('retries a failing endpoint and succeeds on the third attempt, with three attempt rows', async () => {
    await createWebhook('/flaky', ['flaky.test']);
    let calls = 0;
    stack.receiver.behave((r) =>
      r.path === '/flaky' && ++calls <= 2 ? { status: 503, body: 'busy' } : { status: 200, body: 'OK' },
    );
    const published = await stack.herald.client.events.publish.mutate({ type: 'flaky.test', data: { n: 1 } });

    const delivery = await stack.herald.settled(published.deliveries[0]!.id);
    expect(delivery).toMatchObject({ status: 'succeeded', statusCode: 200, attempts: 3, error: null });
    expect(delivery.attemptLog.map((a) => [a.attemptNumber, a.outcome, a.statusCode, a.error])).toEqual([
      [1, 'failed', 503, 'HTTP 503'],
      [2, 'failed', 503, 'HTTP 503'],
      [3, 'succeeded', 200, null],
    ]);
    expect(delivery.attemptLog[0]!.responseExcerpt).toBe('busy');
    const attempts = stack.receiver.requests
      .filter((r) => r.path === '/flaky')
      .map((r) => r.headers['x-webhook-attempt']);
    expect(attempts).toEqual(['1', '2', '3']);
    // The event id is stable across retries, so receivers can deduplicate.
    expect(
      new Set(stack.receiver.requests.filter((r) => r.path === '/flaky').map((r) => r.headers['x-webhook-id'])),
    ).toEqual(new Set([published.id]));
  });

  it('gives up after exactly five failed attempts and marks the delivery failed', async () => {
    await createWebhook('/down', ['down.test']);
    stack.receiver.behave((r) => (r.path === '/down' ? { status: 500, body: 'boom' } : { status: 200 }));
    const published = await stack.herald.client.events.publish.mutate({ type: 'down.test', data: { n: 2 } });

    const delivery = await stack.herald.settled(published.deliveries[0]!.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      statusCode: 500,
      attempts: 5,
      error: 'HTTP 500',
      deliveredAt: null,
    });
    expect(delivery.attemptLog.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
    const workflow = stack.herald.fanOut(published.id);
    expect(await workflow.result()).toEqual({ deliveries: 1, succeeded: 0, failed: 1 });
    expect(stack.receiver.requests.filter((r) => r.path === '/down')).toHaveLength(5);
  });

  it('counts an endpoint slower than the attempt timeout as a failed attempt', async () => {
    await createWebhook('/slow', ['slow.test']);
    let calls = 0;
    stack.receiver.behave((r) =>
      r.path === '/slow' && ++calls === 1 ? { status: 200, delayMs: 2_500 } : { status: 200, body: 'OK' },
    );
    const published = await stack.herald.client.events.publish.mutate({ type: 'slow.test', data: { n: 3 } });

    const delivery = await stack.herald.settled(published.deliveries[0]!.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [first] = delivery.attemptLog;
    expect(first).toMatchObject({ outcome: 'failed', statusCode: null });
    expect(first!.error).toMatch(/^timeout/);
    expect(first!.durationMs).toBeGreaterThanOrEqual(950);
    expect(first!.durationMs).toBeLessThan(2_500);
  });

  it('records a refused connection with its reason', async () => {
    const closed = await startReceiver();
    const url = `${closed.url}/gone`;
    await closed.close();
    await stack.herald.client.webhooks.create.mutate({ url, events: ['refused.test'] });
    const published = await stack.herald.client.events.publish.mutate({ type: 'refused.test', data: {} });
    const delivery = await stack.herald.settled(published.deliveries[0]!.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 5, statusCode: null, error: 'connection refused' });
  });

  it('does not follow redirects', async () => {
    await createWebhook('/moved', ['redirect.test']);
    stack.receiver.behave((r) =>
      r.path === '/moved' ? { status: 301, headers: { location: `${stack.receiver.url}/target` } } : { status: 200 },
    );
    const published = await stack.herald.client.events.publish.mutate({ type: 'redirect.test', data: {} });
    const delivery = await stack.herald.settled(published.deliveries[0]!.id);
    expect(delivery).toMatchObject({ status: 'failed', statusCode: 301, error: 'redirect 301 not followed' });
    expect(stack.receiver.requests.filter((r) => r.path === '/target')).toHaveLength(0);
  });

  it('delivers only to active webhooks subscribed to the type', async () => {
    const subscribed = await createWebhook('/subscribed', ['user.created', 'user.updated']);
    const inactive = await createWebhook('/inactive', ['user.created'], { active: false });
    const other = await createWebhook('/other', ['user.deleted']);
    const disabledLater = await createWebhook('/disabled-later', ['user.created']);
    await stack.herald.client.webhooks.update.mutate({ id: disabledLater.id, active: false });

    const published = await stack.herald.client.events.publish.mutate({ type: 'user.created', data: { id: 'user_1' } });
    expect(published.deliveries.map((d) => d.webhookId)).toEqual([subscribed.id]);
    const delivery = await stack.herald.settled(published.deliveries[0]!.id);
    expect(delivery.status).toBe('succeeded');
    await stack.herald.fanOut(published.id).result();

    const paths = stack.receiver.requests.map((r) => r.path);
    expect(paths.filter((p) => p === '/subscribed')).toHaveLength(1);
    expect(paths).not.toContain('/inactive');
    expect(paths).not.toContain('/other');
    expect(paths).not.toContain('/disabled-later');
    expect(inactive.active).toBe(false);
    expect(other.events).toEqual(['user.deleted']);
  });

  it('delivers to every subscribed webhook of one event, in parallel', async () => {
    const hooks = await Promise.all(['/fan-1', '/fan-2', '/fan-3'].map((path) => createWebhook(path, ['fan.out'])));
    const published = await stack.herald.client.events.publish.mutate({ type: 'fan.out', data: {} });
    expect(published.deliveries.map((d) => d.webhookId).sort()).toEqual(hooks.map((h) => h.id).sort());
    const result = await stack.herald.fanOut(published.id).result();
    expect(result).toEqual({ deliveries: 3, succeeded: 3, failed: 0 });
    for (const hook of hooks) {
      const signed = stack.receiver.requests.filter((r) => r.path === new URL(hook.url).pathname);
      expect(signed).toHaveLength(1);
      expect(
        expressReceiverVerify(
          JSON.parse(signed[0]!.rawBody),
          String(signed[0]!.headers['x-webhook-signature']),
          hook.secret,
        ),
      ).toBe(true);
    }
  });

  it('delivers an event published twice with the same id once', async () => {
    await createWebhook('/idempotent', ['order.created']);
    const first = await stack.herald.client.events.publish.mutate({
      id: 'evt_order_1001',
      type: 'order.created',
      data: { orderId: 1001 },
    });
    const second = await stack.herald.client.events.publish.mutate({
      id: 'evt_order_1001',
      type: 'order.created',
      data: { orderId: 1001 },
    });
    expect(first.duplicate).toBe(false);
    expect(second).toMatchObject({ id: 'evt_order_1001', duplicate: true, createdAt: first.createdAt });
    expect(second.deliveries.map((d) => d.id)).toEqual(first.deliveries.map((d) => d.id));

    await stack.herald.fanOut('evt_order_1001').result();
    const third = await stack.herald.client.events.publish.mutate({
      id: 'evt_order_1001',
      type: 'order.created',
      data: { orderId: 1001 },
    });
    expect(third.deliveries[0]!.status).toBe('succeeded');
    expect(stack.receiver.requests.filter((r) => r.path === '/idempotent')).toHaveLength(1);
  });

  it('refuses to reuse an event id for different content (409)', async () => {
    await stack.herald.client.events.publish.mutate({ id: 'evt_conflict', type: 'order.created', data: { v: 1 } });
    await expect(
      stack.herald.client.events.publish.mutate({ id: 'evt_conflict', type: 'order.created', data: { v: 2 } }),
    ).rejects.toMatchObject({
      data: { code: 'CONFLICT', httpStatus: 409 },
    });
    await expect(
      stack.herald.client.events.publish.mutate({ id: 'evt_conflict', type: 'order.updated', data: { v: 1 } }),
    ).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
    });
  });

  it('stores an event nobody subscribes to without starting a workflow', async () => {
    const published = await stack.herald.client.events.publish.mutate({ type: 'nobody.listens', data: {} });
    expect(published.deliveries).toEqual([]);
    await expect(stack.herald.fanOut(published.id).describe()).rejects.toThrow(/not found/i);
  });
});
