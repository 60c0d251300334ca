import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../client/index.js';
import { startReceiver } from '../support/receiver.js';
import { useStack } from '../support/stack.js';

const stack = useStack({
  env: { HERALD_ATTEMPT_TIMEOUT: '1s' },
  receiver: (r) => (r.path === '/broken' ? { status: 503, body: 'maintenance' } : { status: 200, body: 'OK' }),
});

describe('test sends and their report', () => {
  it('sends one signed test event per subscribed type now, and reports each', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/good`,
      events: ['order.created', 'order.shipped'],
    });
    const report = await stack.herald.client.webhooks.test.mutate({ id: hook.id });
    expect(report).toMatchObject({ testsRun: 2, testsSucceeded: 2, testsFailed: 0 });
    expect(Date.parse(report.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(report.tests.map((t) => [t.eventType, t.status, t.statusCode, t.responseExcerpt])).toEqual([
      ['order.created', 'succeeded', 200, 'OK'],
      ['order.shipped', 'succeeded', 200, 'OK'],
    ]);
    expect(report.tests.every((t) => t.error === undefined && t.durationMs >= 0)).toBe(true);

    const sent = stack.receiver.requests.filter((r) => r.path === '/good');
    expect(sent).toHaveLength(2);
    for (const request of sent) {
      const body = JSON.parse(request.rawBody);
      expect(body).toMatchObject({ test: true, data: { message: expect.any(String) } });
      expect(Object.keys(body)).toEqual(['id', 'type', 'createdAt', 'data', 'test']);
      expect(verifySignature(request.rawBody, String(request.headers['x-webhook-signature']), hook.secret)).toBe(true);
    }

    const delivery = await stack.herald.client.deliveries.get.query({ id: report.tests[0]!.deliveryId });
    expect(delivery.attemptLog).toEqual([
      expect.objectContaining({ trigger: 'test', outcome: 'succeeded', statusCode: 200 }),
    ]);
    const audit = await stack.herald.client.audit.forEntity.query({ entityType: 'webhook', entityId: hook.id });
    expect(audit.data[0]).toMatchObject({
      event: 'webhooks.test',
      diff: { after: { eventTypes: ['order.created', 'order.shipped'] } },
    });
  });

  it('tests one given type with its catalog example', async () => {
    await stack.herald.client.eventTypes.create.mutate({
      name: 'invoice.paid',
      example: { invoiceId: 'inv_1', amount: 100 },
    });
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/one`,
      events: ['invoice.paid'],
    });
    const report = await stack.herald.client.webhooks.test.mutate({ id: hook.id, eventType: 'invoice.paid' });
    expect(report.testsRun).toBe(1);
    const [request] = stack.receiver.requests.filter((r) => r.path === '/one');
    expect(JSON.parse(request!.rawBody).data).toEqual({ invoiceId: 'inv_1', amount: 100 });
  });

  it('tests a type that has a schema but no example with data generated from the schema', async () => {
    await stack.herald.client.eventTypes.create.mutate({
      name: 'refund.issued',
      schema: {
        type: 'object',
        required: ['refundId', 'amount', 'currency'],
        properties: {
          refundId: { type: 'string', pattern: '^re_[a-z0-9]{8}$' },
          amount: { type: 'integer', minimum: 1 },
          currency: { enum: ['EUR', 'USD'] },
        },
        additionalProperties: false,
      },
    });
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/generated`,
      events: ['refund.issued'],
    });
    const report = await stack.herald.client.webhooks.test.mutate({ id: hook.id });
    expect(report).toMatchObject({ testsRun: 1, testsSucceeded: 1 });
    const [request] = stack.receiver.requests.filter((r) => r.path === '/generated');
    expect(JSON.parse(request!.rawBody).data).toEqual({
      refundId: expect.stringMatching(/^re_[a-z0-9]{8}$/),
      amount: expect.any(Number),
      currency: expect.stringMatching(/^(EUR|USD)$/),
    });
  });

  it('reports a failing endpoint with its status and response, and sends it once', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/broken`,
      events: ['invoice.paid'],
    });
    const report = await stack.herald.client.webhooks.test.mutate({ id: hook.id });
    expect(report).toMatchObject({ testsRun: 1, testsSucceeded: 0, testsFailed: 1 });
    expect(report.tests[0]).toMatchObject({
      status: 'failed',
      statusCode: 503,
      error: 'HTTP 503',
      responseExcerpt: 'maintenance',
    });
    expect(stack.receiver.requests.filter((r) => r.path === '/broken')).toHaveLength(1);
    const delivery = await stack.herald.client.deliveries.get.query({ id: report.tests[0]!.deliveryId });
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('reports an unreachable endpoint with the connection error', async () => {
    const closed = await startReceiver();
    const url = `${closed.url}/gone`;
    await closed.close();
    const hook = await stack.herald.client.webhooks.create.mutate({ url, events: ['invoice.paid'] });
    const report = await stack.herald.client.webhooks.test.mutate({ id: hook.id });
    expect(report.tests[0]).toMatchObject({
      status: 'failed',
      statusCode: null,
      error: 'connection refused',
      responseExcerpt: null,
    });
  });

  it('tests a disabled webhook too, and refuses a type it does not subscribe to', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/disabled`,
      events: ['invoice.paid'],
      active: false,
    });
    expect((await stack.herald.client.webhooks.test.mutate({ id: hook.id })).testsSucceeded).toBe(1);
    await expect(
      stack.herald.client.webhooks.test.mutate({ id: hook.id, eventType: 'order.created' }),
    ).rejects.toMatchObject({
      data: {
        code: 'BAD_REQUEST',
        issues: [{ path: 'eventType', message: expect.stringMatching(/does not subscribe to order\.created/) }],
      },
    });
  });
});
