import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import { failureTypes } from '../../workflows/shared.js';
import type { Logger } from '../logger.js';

const expectedFailures = new Set<string>(Object.values(failureTypes));

let installed = false;

/**
 * Routes the Temporal SDK's own logs (worker state, core warnings) into Herald's logger at warn and above, and
 * serves its metrics in Prometheus format when asked to.
 * The runtime is process-wide and can be installed once, before the first connection.
 */
export function installTemporalRuntime(logger: Logger, options: { metricsAddress?: string | undefined } = {}): void {
  if (installed) return;
  installed = true;
  const sdkLogger = new DefaultLogger('WARN', ({ level, message, meta }) => {
    // A failed delivery attempt is routine and already recorded in Postgres; it is not a worker problem.
    const expected =
      message === 'Activity failed' && expectedFailures.has((meta?.error as { type?: string } | undefined)?.type ?? '');
    const method = expected
      ? 'debug'
      : (({ ERROR: 'error', WARN: 'warn' } as Partial<Record<LogLevel, 'error' | 'warn'>>)[level] ?? 'info');
    logger[method]({ component: 'temporal', ...meta }, message);
  });
  Runtime.install({
    logger: sdkLogger,
    telemetryOptions: {
      logging: { forward: {}, filter: 'WARN' },
      // The SDK's worker metrics (task slots, poll latency, schedule-to-start), on a port of their own.
      ...(options.metricsAddress ? { metrics: { prometheus: { bindAddress: options.metricsAddress } } } : {}),
    },
    // Herald's entry points handle SIGINT/SIGTERM themselves, draining the worker before anything else stops.
    shutdownSignals: [],
  });
}
