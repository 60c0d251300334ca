import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Herald's Prometheus metrics, one registry per process, built once and passed down like every other dependency.
 * `/metrics` serves it.
 */
export interface Metrics {
  registry: Registry;
  /** Pending deliveries the reconciler found with no workflow working on them, by what it did. */
  reconciledDeliveries: Counter<'action'>;
  /** Overdue pending deliveries whose workflow is still running, at the last sweep: late, not lost. */
  lateDeliveries: Gauge;
  /** Webhooks Herald disabled on its own, by reason (`gone`: 410; `failing`: failed for the whole window). */
  webhooksDisabled: Counter<'reason'>;
  /** Parked deliveries discarded past the bounds (too many or too old). */
  discardedDeliveries: Counter;
  /** Rows deleted by retention, by table. */
  retentionDeleted: Counter<'table'>;
  /** Events whose payload (and response excerpts) retention dropped while keeping their rows. */
  retentionPayloadsDropped: Counter;
  /** Every recorded attempt, by outcome, the class of the endpoint's answer and what triggered it. */
  attempts: Counter<'outcome' | 'status_class' | 'trigger'>;
  attemptDuration: Histogram<'outcome'>;
  /** Publish to first attempt: how long an event waits before it goes out. */
  firstAttemptLag: Histogram;
  /** Deliveries that reached an end through an attempt, by how they ended. */
  settledDeliveries: Counter<'status'>;
  /** Adaptive rates engaged or lowered after an endpoint showed overload (webhooks without a configured limit). */
  adaptiveRateDecreases: Counter;
  /** Adaptive rates released above the ceiling: the endpoint is unlimited again. */
  adaptiveRateReleases: Counter;
  /** Per webhook, only when HERALD_METRICS_PER_WEBHOOK is on: one series per webhook can be many. */
  perWebhook?: { attempts: Counter<'webhook_id' | 'outcome'>; duration: Histogram<'webhook_id'> };
}

export function createMetrics(options: { perWebhook?: boolean } = {}): Metrics {
  const registry = new Registry();
  return {
    ...(options.perWebhook
      ? {
          perWebhook: {
            attempts: new Counter({
              name: 'herald_webhook_attempts_total',
              help: 'Delivery attempts per webhook, by outcome (HERALD_METRICS_PER_WEBHOOK).',
              labelNames: ['webhook_id', 'outcome'],
              registers: [registry],
            }),
            duration: new Histogram({
              name: 'herald_webhook_attempt_duration_seconds',
              help: 'Attempt durations per webhook (HERALD_METRICS_PER_WEBHOOK).',
              labelNames: ['webhook_id'],
              buckets: [0.05, 0.25, 1, 2.5, 10],
              registers: [registry],
            }),
          },
        }
      : {}),
    registry,
    reconciledDeliveries: new Counter({
      name: 'herald_reconciled_deliveries_total',
      help: 'Pending deliveries that no workflow was working on, found by the reconciler: restarted (given to a new workflow) or abandoned (interrupted test sends, settled as failed).',
      labelNames: ['action'],
      registers: [registry],
    }),
    webhooksDisabled: new Counter({
      name: 'herald_webhooks_disabled_total',
      help: 'Webhooks Herald disabled on its own: gone (the endpoint answered 410) or failing (every delivery failed for the whole window).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    discardedDeliveries: new Counter({
      name: 'herald_discarded_deliveries_total',
      help: 'Parked deliveries discarded because their webhook stayed paused or disabled past the bounds (count or age).',
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: 'herald_retention_deleted_rows_total',
      help: 'Rows deleted because they were past their retention window, by table (events, deliveries, delivery_attempts, audit_log).',
      labelNames: ['table'],
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'herald_delivery_attempts_total',
      help: "Delivery attempts recorded, by outcome (succeeded, failed), the class of the endpoint's answer (2xx…5xx, network) and trigger (scheduled, manual, test).",
      labelNames: ['outcome', 'status_class', 'trigger'],
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: 'herald_delivery_attempt_duration_seconds',
      help: 'How long each attempt took, from the request leaving to the answer (or the timeout), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    firstAttemptLag: new Histogram({
      name: 'herald_first_attempt_lag_seconds',
      help: 'From an event being published to the first attempt at each of its deliveries.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    settledDeliveries: new Counter({
      name: 'herald_deliveries_settled_total',
      help: 'Deliveries settled by an attempt: succeeded, or failed (the schedule ran out, or the endpoint answered 410).',
      labelNames: ['status'],
      registers: [registry],
    }),
    retentionPayloadsDropped: new Counter({
      name: 'herald_retention_payloads_dropped_total',
      help: "Events whose payload, and their attempts' response excerpts, were dropped past the payload retention window; their rows stay until the full window.",
      registers: [registry],
    }),
    adaptiveRateDecreases: new Counter({
      name: 'herald_adaptive_rate_decreases_total',
      help: 'Adaptive rates engaged or halved because an endpoint without a configured limit answered 429 or 503, timed out or dropped the connection.',
      registers: [registry],
    }),
    adaptiveRateReleases: new Counter({
      name: 'herald_adaptive_rate_releases_total',
      help: 'Adaptive rates that climbed back above HERALD_ADAPTIVE_CEILING and were released: the endpoint is unlimited again.',
      registers: [registry],
    }),
    lateDeliveries: new Gauge({
      name: 'herald_late_deliveries',
      help: 'Pending deliveries past their due time whose workflow is still running, at the last reconciler sweep.',
      registers: [registry],
    }),
  };
}
