import type { AdaptiveChange } from '../delivery/adaptive-rate.js';
import type { ObservedAttempt } from '../delivery/run-attempts.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/**
 * What every recorded attempt leaves behind outside Postgres: one `info` log line (delivery, webhook, the endpoint's
 * host, attempt number, status or error, duration, and the API request it goes back to) and the attempt metrics. Secrets and header values never reach
 * it; URLs appear as their host only, since paths and queries sometimes carry tokens.
 */
export function createAttemptObserver(logger: Logger, metrics: Metrics): (attempt: ObservedAttempt) => void {
  return (attempt) => {
    const outcome = attempt.ok ? 'succeeded' : 'failed';
    const statusClass = attempt.statusCode === null ? 'network' : `${Math.floor(attempt.statusCode / 100)}xx`;
    metrics.attempts.inc({ outcome, status_class: statusClass, trigger: attempt.trigger });
    metrics.attemptDuration.observe({ outcome }, attempt.durationMs / 1000);
    metrics.perWebhook?.attempts.inc({ webhook_id: attempt.webhookId, outcome });
    metrics.perWebhook?.duration.observe({ webhook_id: attempt.webhookId }, attempt.durationMs / 1000);
    if (attempt.sinceEventMs !== undefined && attempt.trigger === 'scheduled')
      metrics.firstAttemptLag.observe(attempt.sinceEventMs / 1000);
    const settled = attempt.ok ? 'succeeded' : attempt.retryDelayMs === undefined ? 'failed' : undefined;
    if (settled && attempt.trigger !== 'test') metrics.settledDeliveries.inc({ status: settled });
    logger.info(
      {
        deliveryId: attempt.deliveryId,
        webhookId: attempt.webhookId,
        eventType: attempt.eventType,
        host: attempt.host,
        attempt: attempt.attemptNumber,
        trigger: attempt.trigger,
        status: attempt.statusCode,
        error: attempt.error ?? undefined,
        durationMs: attempt.durationMs,
        nextAttemptInMs: attempt.retryDelayMs,
        requestId: attempt.requestId,
      },
      attempt.ok
        ? 'delivery attempt succeeded'
        : attempt.retryDelayMs === undefined
          ? 'delivery attempt failed; no attempts left'
          : 'delivery attempt failed; will retry',
    );
  };
}

/**
 * What a change of a webhook's adaptive rate leaves behind: the counters, and a `warn` line when the rate engages
 * (the endpoint is being slowed down) and an `info` line when it is released. Halvings and increases in between
 * are counted or silent: they can come every second.
 */
export function createAdaptiveObserver(logger: Logger, metrics: Metrics): (change: AdaptiveChange) => void {
  return (change) => {
    if (change.decreased) metrics.adaptiveRateDecreases.inc();
    if (change.before === null && change.after !== null) {
      logger.warn(
        { webhookId: change.webhookId, perSecond: change.after },
        'adaptive rate engaged: the endpoint answered 429 or 503, timed out or dropped the connection',
      );
    } else if (change.before !== null && change.after === null) {
      metrics.adaptiveRateReleases.inc();
      logger.info(
        { webhookId: change.webhookId, perSecond: change.before },
        'adaptive rate released: the endpoint is unlimited again',
      );
    }
  };
}
