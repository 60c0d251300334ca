/**
 * One id follows a call from the API into the workflows and attempts it starts: the caller's X-Request-Id when it
 * is sane (or the id Herald gives the request), echoed in the answer and carried by every attempt's log line, the
 * retries' too, and by the fan-out workflow's own log lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLogger } from '../support/captured-logger.js';
import { startTestHerald, type TestHerald } from '../support/herald.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { waitFor } from '../support/wait-for.js';

// At debug, so the workflows' own debug lines reach the log too.
const logs = capturedLogger('debug');
let herald: TestHerald;
let receiver: Receiver;

beforeAll(async () => {
  [herald, receiver] = await Promise.all([
    startTestHerald({ logger: logs.logger }),
    // `/flaky` fails its first request (per path), so that delivery's second attempt runs in `signAndPost`.
    startReceiver((request) =>
      request.path.startsWith('/flaky') && receiver.requests.filter((r) => r.path === request.path).length === 1
        ? { status: 503 }
        : { status: 200, body: 'OK' },
    ),
  ]);
});
afterAll(async () => {
  await Promise.all([herald?.stop(), receiver?.close()]);
});

const attemptLinesOf = (deliveryIds: string[], count: number) =>
  waitFor(
    () => {
      const lines = logs.lines.filter(
        (l) => typeof l.deliveryId === 'string' && deliveryIds.includes(l.deliveryId) && 'attempt' in l,
      );
      return lines.length >= count ? lines : undefined;
    },
    { what: `${count} attempt log lines` },
  );

async function post(path: string, body: unknown, requestId?: string) {
  const response = await fetch(`${herald.url}${path}`, {
    method: 'POST',
    headers: {
      'x-api-key': herald.adminKey,
      'content-type': 'application/json',
      ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
    },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return { requestId: response.headers.get('x-request-id'), body: (await response.json()) as any };
}

describe('request ids', () => {
  let steady: { id: string };
  let flaky: { id: string };

  beforeAll(async () => {
    steady = await herald.client.webhooks.create.mutate({ url: `${receiver.url}/steady`, events: ['rid.*'] });
    flaky = await herald.client.webhooks.create.mutate({ url: `${receiver.url}/flaky`, events: ['rid.rest'] });
  });

  it('follow a REST publish into every attempt of its deliveries, retries included, and the workflow log', async () => {
    const published = await post('/v1/events', { type: 'rid.rest', data: { n: 1 } }, 'test-req-123');
    expect(published.requestId).toBe('test-req-123');
    const deliveries = (published.body.deliveries as Array<{ id: string; webhookId: string }>).map((d) => d.id);
    expect(deliveries).toHaveLength(2);
    for (const id of deliveries) await herald.settled(id);

    // steady: one attempt; flaky: a failed first attempt (local activity) and a second (signAndPost).
    const lines = await attemptLinesOf(deliveries, 3);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatchObject({ level: 30, requestId: 'test-req-123' });
    expect(lines.filter((l) => l.webhookId === flaky.id).map((l) => [l.attempt, l.status])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(lines.find((l) => l.webhookId === steady.id)).toMatchObject({ attempt: 1, status: 200 });

    // The fan-out's own line, logged through the replay-safe workflow logger, carries the id too.
    const workflowId = await herald.fanOut(published.body.id as string).workflowId();
    const finished = await waitFor(
      () => logs.lines.find((l) => l.msg === 'fan-out finished' && l.workflowId === workflowId),
      { what: "the fan-out's log line" },
    );
    expect(finished).toMatchObject({
      requestId: 'test-req-123',
      sdkComponent: 'workflow',
      workflowType: 'fanOutEvent',
      outcome: 'delivered',
      succeeded: 2,
    });
  });

  it('follow a tRPC publish, and are shared by every event of a batch', async () => {
    const single = await post('/trpc/events.publish', { type: 'rid.trpc', data: {} }, 'test-req-123');
    expect(single.requestId).toBe('test-req-123');
    const batch = await post(
      '/v1/events/batch',
      {
        events: [
          { type: 'rid.batch', data: { n: 1 } },
          { type: 'rid.batch', data: { n: 2 } },
        ],
      },
      'test-req-batch',
    );
    expect(batch.requestId).toBe('test-req-batch');

    const singleDeliveries = (single.body.result.data.deliveries as Array<{ id: string }>).map((d) => d.id);
    const batchDeliveries = (batch.body.events as Array<{ deliveries: Array<{ id: string }> }>).flatMap((e) =>
      e.deliveries.map((d) => d.id),
    );
    expect(singleDeliveries).toHaveLength(1);
    expect(batchDeliveries).toHaveLength(2);
    expect((await attemptLinesOf(singleDeliveries, 1)).map((l) => l.requestId)).toEqual(['test-req-123']);
    expect((await attemptLinesOf(batchDeliveries, 2)).map((l) => l.requestId)).toEqual([
      'test-req-batch',
      'test-req-batch',
    ]);
  });

  it('are Herald’s own when the caller sends none, or one that is not sane', async () => {
    for (const given of [undefined, 'no spaces allowed', 'x'.repeat(129), 'line\tbreak']) {
      const published = await post('/v1/events', { type: 'rid.own', data: {} }, given);
      expect(published.requestId).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
      const [line] = await attemptLinesOf([published.body.deliveries[0].id as string], 1);
      expect(line!.requestId).toBe(published.requestId);
    }
  });

  it('name the request in the answers of other routes and of errors too', async () => {
    const listed = await fetch(`${herald.url}/v1/webhooks`, {
      headers: { 'x-api-key': herald.adminKey, 'x-request-id': 'list-req.7:a_b-c' },
    });
    expect(listed.headers.get('x-request-id')).toBe('list-req.7:a_b-c');
    const refused = await fetch(`${herald.url}/v1/webhooks`, { headers: { 'x-request-id': 'unauthenticated-1' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toBe('unauthenticated-1');
  });
});
