/**
 * What an operator runs on: one `info` line per attempt that says which delivery, webhook, endpoint host, attempt
 * and outcome (and never a secret, a custom header value or a URL path), and Prometheus metrics that move with
 * real deliveries.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../../server/http/metrics-server.js';
import { capturedLogger } from '../support/captured-logger.js';
import { startTestHerald, type TestHerald } from '../support/herald.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { waitFor } from '../support/wait-for.js';

const logs = capturedLogger('info');
let herald: TestHerald;
let receiver: Receiver;

beforeAll(async () => {
  [herald, receiver] = await Promise.all([
    startTestHerald({ logger: logs.logger }),
    startReceiver((request) => (request.path.startsWith('/down') ? { status: 503 } : { status: 200, body: 'OK' })),
  ]);
});
afterAll(async () => {
  await Promise.all([herald?.stop(), receiver?.close()]);
});

/** Prometheus text, checked line by line against the exposition format, as name{labels} → value. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(
        line,
      );
    expect(match, `not a Prometheus sample: ${line}`).not.toBeNull();
    samples.set(match![1]!, Number(match![2]));
  }
  return samples;
}

async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(`${herald.url}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

describe('attempt logs and metrics', () => {
  it('log every attempt once, at info, without secrets, header values or paths, and count it', async () => {
    const before = await scrape();
    const token = 'tok_never_in_logs_0451';
    const up = await herald.client.webhooks.create.mutate({
      url: `${receiver.url}/up/path-token-9911?sig=query-token-7722`,
      events: ['obs.event'],
      headers: { Authorization: `Bearer ${token}` },
    });
    const down = await herald.client.webhooks.create.mutate({ url: `${receiver.url}/down`, events: ['obs.event'] });
    const published = await herald.client.events.publish.mutate({ type: 'obs.event', data: { n: 1 } });
    for (const delivery of published.deliveries) await herald.settled(delivery.id);

    const attemptLines = await waitFor(
      () => {
        const lines = logs.lines.filter((l) => published.deliveries.some((d) => d.id === l.deliveryId));
        return lines.length >= 6 ? lines : undefined;
      },
      { what: 'a log line per attempt' },
    );
    expect(attemptLines).toHaveLength(6); // one success; five failures
    const host = new URL(receiver.url).host;
    expect(attemptLines.find((l) => l.webhookId === up.id)).toMatchObject({
      level: 30,
      msg: 'delivery attempt succeeded',
      host,
      attempt: 1,
      status: 200,
      eventType: 'obs.event',
      durationMs: expect.any(Number),
    });
    const failures = attemptLines.filter((l) => l.webhookId === down.id);
    expect(failures.map((l) => [l.attempt, l.msg])).toEqual([
      [1, 'delivery attempt failed; will retry'],
      [2, 'delivery attempt failed; will retry'],
      [3, 'delivery attempt failed; will retry'],
      [4, 'delivery attempt failed; will retry'],
      [5, 'delivery attempt failed; no attempts left'],
    ]);
    expect(failures[0]).toMatchObject({ status: 503, error: 'HTTP 503', nextAttemptInMs: 20 });
    const everything = JSON.stringify(logs.lines);
    for (const hidden of [token, up.secret, down.secret, 'path-token-9911', 'query-token-7722'])
      expect(everything).not.toContain(hidden);

    const after = await scrape();
    const moved = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    expect(moved('herald_delivery_attempts_total{outcome="succeeded",status_class="2xx",trigger="scheduled"}')).toBe(1);
    expect(moved('herald_delivery_attempts_total{outcome="failed",status_class="5xx",trigger="scheduled"}')).toBe(5);
    expect(moved('herald_deliveries_settled_total{status="succeeded"}')).toBe(1);
    expect(moved('herald_deliveries_settled_total{status="failed"}')).toBe(1);
    expect(moved('herald_delivery_attempt_duration_seconds_count{outcome="failed"}')).toBe(5);
    expect(moved('herald_first_attempt_lag_seconds_count')).toBe(2);
    expect(after.get('herald_deliveries_pending')).toBe(0);
    expect(after.has('herald_oldest_pending_delivery_seconds')).toBe(true);
  });

  it('show parked deliveries and disabled webhooks as gauges', async () => {
    const hook = await herald.client.webhooks.create.mutate({ url: `${receiver.url}/resting`, events: ['obs.rest'] });
    await herald.client.webhooks.pause.mutate({ id: hook.id });
    await herald.client.events.publish.mutate({ type: 'obs.rest', data: {} });
    await herald.client.events.publish.mutate({ type: 'obs.rest', data: {} });
    // A second scrape a moment later may reuse the first one's read; wait until it shows.
    await waitFor(async () => ((await scrape()).get('herald_deliveries_parked') === 2 ? true : undefined), {
      what: 'two parked deliveries in /metrics',
    });
  });
});

describe('a worker-only process', () => {
  it('serves its registry at /metrics and nothing else', async () => {
    const registry = new Registry();
    const served = await startMetricsServer(registry, '127.0.0.1', 0);
    try {
      const metrics = await fetch(served.url);
      expect(metrics.status).toBe(200);
      expect(await fetch(served.url.replace('/metrics', '/'))).toMatchObject({ status: 404 });
    } finally {
      await served.stop();
    }
  });
});
