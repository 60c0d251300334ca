import { Counter, Gauge, Registry } from 'prom-client';

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
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  return {
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
    lateDeliveries: new Gauge({
      name: 'herald_late_deliveries',
      help: 'Pending deliveries past their due time whose workflow is still running, at the last reconciler sweep.',
      registers: [registry],
    }),
  };
}
