/**
 * With an OTLP endpoint configured, one publish is one trace: the API request, the workflow start, the fan-out
 * workflow, its activity and every delivery attempt, exported over OTLP/HTTP to a real receiver on 127.0.0.1. No
 * span says anything secret: no webhook secret, no custom header value, no URL path or query.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHerald, type TestHerald } from '../support/herald.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { waitFor } from '../support/wait-for.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  attributes: Record<string, string | number | boolean | undefined>;
  serviceName: string | undefined;
}

/** A minimal OTLP/HTTP trace receiver: every JSON body POSTed to /v1/traces, kept whole and as flat spans. */
async function startOtlpReceiver() {
  const bodies: string[] = [];
  const spans: ReceivedSpan[] = [];
  const flat = (attributes: Array<{ key: string; value: OtlpValue }> = []) =>
    Object.fromEntries(
      attributes.map(({ key, value }) => [
        key,
        value.stringValue ??
          (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
          value.boolValue ??
          value.doubleValue,
      ]),
    );
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !/json/.test(req.headers['content-type'] ?? '')) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
        const serviceName = flat(resourceSpans.resource?.attributes)['service.name'] as string | undefined;
        for (const scopeSpans of resourceSpans.scopeSpans ?? [])
          for (const span of scopeSpans.spans ?? [])
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              statusCode: span.status?.code ?? 0,
              attributes: flat(span.attributes),
              serviceName,
            });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
let herald: TestHerald;
let receiver: Receiver;

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  [herald, receiver] = await Promise.all([
    startTestHerald({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: 'herald-under-test' } }),
    // `/two` fails its first request, so its second attempt runs later, in `signAndPost`, within the same trace.
    startReceiver((request) =>
      request.path === '/two' && receiver.requests.filter((r) => r.path === '/two').length === 1
        ? { status: 503 }
        : { status: 200, body: 'OK' },
    ),
  ]);
});
afterAll(async () => {
  await Promise.all([herald?.stop(), receiver?.close()]);
  await otlp?.close();
});

describe('OpenTelemetry tracing', () => {
  it('links one publish, from the API request to every attempt, in one trace that keeps secrets out', async () => {
    const headerValue = 'hv_never_in_spans_5512';
    const one = await herald.client.webhooks.create.mutate({
      url: `${receiver.url}/one/path-token-3301?sig=query-token-4402`,
      events: ['traced.event'],
      headers: { 'X-Custom-Auth': headerValue },
    });
    const two = await herald.client.webhooks.create.mutate({ url: `${receiver.url}/two`, events: ['traced.event'] });

    const response = await fetch(`${herald.url}/v1/events?trace=query-token-5503`, {
      method: 'POST',
      headers: { 'x-api-key': herald.adminKey, 'content-type': 'application/json', 'x-request-id': 'trace-req-1' },
      body: JSON.stringify({ type: 'traced.event', data: { n: 1 } }),
    });
    expect(response.status).toBe(200);
    const published = (await response.json()) as { id: string; deliveries: Array<{ id: string; webhookId: string }> };
    expect(published.deliveries).toHaveLength(2);
    for (const delivery of published.deliveries) await herald.settled(delivery.id);

    const attemptsOf = (deliveryId: string) =>
      otlp.spans.filter((s) => s.name === 'delivery attempt' && s.attributes['herald.delivery.id'] === deliveryId);
    const request = () => otlp.spans.find((s) => s.attributes['herald.request_id'] === 'trace-req-1');
    const [toOne, toTwo] = [one.id, two.id].map((id) => published.deliveries.find((d) => d.webhookId === id)!.id);
    // The batch processor sends every few seconds; the request span ends after the answer was sent.
    await waitFor(() => attemptsOf(toOne!).length === 1 && attemptsOf(toTwo!).length === 2 && request(), {
      timeoutMs: 30_000,
      what: 'the request span and all three attempt spans at the OTLP receiver',
    });
    const root = request()!;
    // Named after the route (the REST routes share one), as OpenTelemetry's HTTP conventions ask; the path says more.
    expect(root).toMatchObject({ name: 'POST /v1/*', serviceName: 'herald-under-test' });
    expect(root.attributes['url.path']).toBe('/v1/events');

    // One trace, and every attempt descends from the request through the workflow start, the workflow and an
    // activity: the first attempts in `firstAttempts`, the retry in `signAndPost`.
    const byId = new Map(otlp.spans.map((s) => [s.spanId, s]));
    const ancestry = (span: ReceivedSpan) => {
      const names: string[] = [];
      for (let at = byId.get(span.parentSpanId ?? ''); at; at = byId.get(at.parentSpanId ?? '')) names.push(at.name);
      return names;
    };
    const first: ReceivedSpan = attemptsOf(toOne!)[0]!;
    const [firstFailed, retry] = attemptsOf(toTwo!).sort(
      (a, b) => Number(a.attributes['herald.attempt.number']) - Number(b.attributes['herald.attempt.number']),
    ) as [ReceivedSpan, ReceivedSpan];
    for (const [attempt, activity] of [
      [first, 'firstAttempts'],
      [firstFailed, 'firstAttempts'],
      [retry, 'signAndPost'],
    ] as const) {
      expect(attempt.traceId).toBe(root.traceId);
      const names = ancestry(attempt);
      expect(names.slice(0, 4)).toEqual([
        `RunActivity:${activity}`,
        `StartActivity:${activity}`,
        'RunWorkflow:fanOutEvent',
        'StartWorkflow:fanOutEvent',
      ]);
      expect(names.at(-1)).toBe('POST /v1/*');
    }
    const host = new URL(receiver.url);
    for (const [attempt, webhookId, number, status] of [
      [first, one.id, 1, 200],
      [firstFailed, two.id, 1, 503],
      [retry, two.id, 2, 200],
    ] as const) {
      expect(attempt.attributes).toMatchObject({
        'herald.webhook.id': webhookId,
        'herald.attempt.number': number,
        'http.response.status_code': status,
        'server.address': host.hostname,
        'server.port': Number(host.port),
        'herald.event.type': 'traced.event',
        'herald.attempt.trigger': 'scheduled',
      });
      expect(attempt.statusCode).toBe(status === 200 ? 0 : 2);
    }
    const workflow = otlp.spans.find((s) => s.name === 'RunWorkflow:fanOutEvent' && s.traceId === root.traceId)!;
    expect(workflow.attributes.temporalWorkflowId).toBe(await herald.fanOut(published.id).workflowId());

    const everything = otlp.bodies.join('\n');
    for (const hidden of [
      one.secret,
      two.secret,
      headerValue,
      'path-token-3301',
      'query-token-4402',
      'query-token-5503',
    ])
      expect(everything).not.toContain(hidden);
  });
});
