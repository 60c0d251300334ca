import { describe, expect, it } from 'vitest';
import { createAttemptObserver } from '../../server/app/attempt-observer.js';
import { registerBacklogGauges } from '../../server/app/backlog-gauges.js';
import type { ObservedAttempt } from '../../server/delivery/run-attempts.js';
import { createMetrics } from '../../server/metrics.js';
import { capturedLogger } from '../support/captured-logger.js';

const attempt = (overrides: Partial<ObservedAttempt> = {}): ObservedAttempt => ({
  deliveryId: 'del_1',
  webhookId: 'wh_1',
  eventType: 'order.created',
  attemptNumber: 1,
  trigger: 'scheduled',
  host: 'hooks.example.com',
  ok: true,
  statusCode: 200,
  error: null,
  durationMs: 12,
  retryDelayMs: undefined,
  sinceEventMs: 40,
  ...overrides,
});

describe('the attempt observer', () => {
  it('adds per-webhook series only when asked to', async () => {
    for (const perWebhook of [false, true]) {
      const metrics = createMetrics({ perWebhook });
      const observe = createAttemptObserver(capturedLogger().logger, metrics);
      observe(attempt());
      observe(attempt({ webhookId: 'wh_2', ok: false, statusCode: 503, error: 'HTTP 503', retryDelayMs: 30_000 }));
      const text = await metrics.registry.metrics();
      expect(
        text.includes('herald_webhook_attempts_total{webhook_id="wh_2",outcome="failed"} 1'),
        `${perWebhook}`,
      ).toBe(perWebhook);
      expect(text).toContain(
        'herald_delivery_attempts_total{outcome="failed",status_class="5xx",trigger="scheduled"} 1',
      );
    }
  });

  it('counts a delivery settled only when no attempt is left, and never a test send', async () => {
    const metrics = createMetrics();
    const observe = createAttemptObserver(capturedLogger().logger, metrics);
    observe(attempt({ ok: false, statusCode: 500, retryDelayMs: 1_000 }));
    observe(attempt({ ok: false, statusCode: 500, retryDelayMs: undefined }));
    observe(attempt({ trigger: 'test' }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('herald_deliveries_settled_total{status="failed"} 1');
    expect(text).not.toContain('herald_deliveries_settled_total{status="succeeded"}');
  });
});

describe('the backlog gauges', () => {
  it('leave /metrics answering while Postgres is unreachable', async () => {
    const metrics = createMetrics();
    registerBacklogGauges(metrics.registry, () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')));
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE herald_deliveries_pending gauge');
    expect(text).toContain('herald_delivery_attempts_total');
  });
});
