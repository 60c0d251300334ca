import { Gauge, type Registry } from 'prom-client';
import type { DeliveryBacklog } from '../db/queries/deliveries.js';

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
