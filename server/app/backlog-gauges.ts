import { Gauge, type Registry } from 'prom-client';
import type { DeliveryBacklog } from '../db/queries/deliveries.js';
import type { AdaptiveRate } from '../db/queries/adaptive-rates.js';
import type { RateWait } from '../db/queries/rate-limits.js';

/**
 * Gauges read from Postgres when /metrics is scraped: what waits on a retry, what is parked, how old the oldest
 * waiting delivery is, what is scheduled for later, and how many webhooks Herald has disabled. One read per scrape
 * serves them all.
 */
export function registerBacklogGauges(registry: Registry, read: () => Promise<DeliveryBacklog>): void {
  if (registry.getSingleMetric('herald_deliveries_pending')) return;
  let current: Promise<DeliveryBacklog> | undefined;
  // The collect() calls of one scrape share a read.
  const backlog = () => {
    current ??= read().finally(() => setTimeout(() => (current = undefined), 1_000).unref());
    return current;
  };
  const gauge = (name: string, help: string, pick: (b: DeliveryBacklog) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          this.set(pick(await backlog()));
        } catch {
          // Postgres is unreachable: the gauge keeps its last value, and /metrics still answers with the rest.
        }
      },
    });
  gauge(
    'herald_deliveries_pending',
    'Deliveries waiting for an attempt (a retry, or the first one).',
    (b) => b.pending,
  );
  gauge('herald_deliveries_parked', 'Deliveries kept for a paused or Herald-disabled webhook.', (b) => b.parked);
  // Held for their time by design: counted apart, never as waiting on a retry or parked.
  gauge(
    'herald_deliveries_scheduled',
    'Deliveries of scheduled sends, held until the time they were published for.',
    (b) => b.scheduled,
  );
  gauge(
    'herald_deliveries_queued',
    'Deliveries waiting for an earlier event of their ordering key to settle.',
    (b) => b.queued,
  );
  gauge(
    'herald_oldest_pending_delivery_seconds',
    'Age of the oldest delivery still waiting for an attempt; 0 when none waits.',
    (b) => b.oldestPendingSeconds,
  );
  gauge(
    'herald_webhooks_disabled',
    'Webhooks Herald disabled (410 Gone, or failing) and not enabled since.',
    (b) => b.disabledWebhooks,
  );
}

/**
 * Per rate-limited webhook with deliveries waiting for a token: how many wait, and how long the oldest has. A
 * webhook with none waiting has no series (the gauges are reset at each scrape), so the label set stays as small
 * as the set of webhooks being held back.
 */
export function registerRateLimitGauges(registry: Registry, read: () => Promise<RateWait[]>): void {
  if (registry.getSingleMetric('herald_rate_limited_deliveries')) return;
  let current: Promise<RateWait[]> | undefined;
  const waits = () => {
    current ??= read().finally(() => setTimeout(() => (current = undefined), 1_000).unref());
    return current;
  };
  const gauge = (name: string, help: string, pick: (w: RateWait) => number) =>
    perWebhookGauge(registry, name, help, async () => (await waits()).map((w) => [w.webhookId, pick(w)]));
  gauge(
    'herald_rate_limited_deliveries',
    "Deliveries waiting for a token of their webhook's rate limit, configured or adaptive.",
    (w) => w.waiting,
  );
  gauge(
    'herald_rate_limited_oldest_wait_seconds',
    "How long the oldest delivery waiting for its webhook's rate limit has waited.",
    (w) => Math.max(0, (Date.now() - w.oldestSince.getTime()) / 1000),
  );
}

/**
 * Per webhook being slowed down by an adaptive rate: that rate. A webhook without one has no series (reset at each
 * scrape), so the label set stays as small as the set of overloaded endpoints.
 */
export function registerAdaptiveRateGauge(registry: Registry, read: () => Promise<AdaptiveRate[]>): void {
  if (registry.getSingleMetric('herald_adaptive_rate_per_second')) return;
  perWebhookGauge(
    registry,
    'herald_adaptive_rate_per_second',
    'The adaptive rate of each webhook without a configured limit that Herald is slowing down (its endpoint showed overload).',
    async () => (await read()).map((rate) => [rate.webhookId, rate.perSecond]),
  );
}

/**
 * A gauge with one series per webhook that `values` names at scrape time; the others are reset away, so the label
 * set stays as small as the set of webhooks it is about. While Postgres is unreachable it keeps its last values.
 */
function perWebhookGauge(
  registry: Registry,
  name: string,
  help: string,
  values: () => Promise<Array<[webhookId: string, value: number]>>,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['webhook_id'],
    registers: [registry],
    async collect() {
      try {
        const read = await values();
        this.reset();
        for (const [webhookId, value] of read) this.set({ webhook_id: webhookId }, value);
      } catch {
        // Postgres is unreachable: the gauge keeps its last values.
      }
    },
  });
}
