import { SdkComponent } from '@temporalio/common';
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import { failureTypes } from '../../workflows/shared.js';
import type { Logger } from '../logger.js';

const expectedFailures = new Set<string>(Object.values(failureTypes));

let installed = false;

const sdkLevels: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

/**
 * Routes the Temporal SDK's logs into Herald's logger: what Herald's workflows and activities log (the replay-safe
 * workflow `log`, which reaches the runtime's logger through a sink) at its own level, with the workflow's ids and
 * request id; the SDK's own lines (worker state, core, workflow and activity lifecycle) at warn and above, the rest
 * only at debug. Serves the SDK's metrics in Prometheus format when asked to.
 * The runtime is process-wide and can be installed once, before the first connection.
 */
export function installTemporalRuntime(logger: Logger, options: { metricsAddress?: string | undefined } = {}): void {
  if (installed) return;
  installed = true;
  // Lines below the logger's level are dropped here, before they are built into an object for pino.
  const sdkLogger = new DefaultLogger(sdkLevels[logger.level] ?? 'INFO', ({ level, message, meta }) => {
    // A failed delivery attempt is routine and already recorded in Postgres; it is not a worker problem.
    const expected =
      message === 'Activity failed' && expectedFailures.has((meta?.error as { type?: string } | undefined)?.type ?? '');
    const ours = meta?.sdkComponent === SdkComponent.workflow || meta?.sdkComponent === SdkComponent.activity;
    const method = expected
      ? 'debug'
      : level === 'ERROR'
        ? 'error'
        : level === 'WARN'
          ? 'warn'
          : !ours
            ? 'debug'
            : (({ INFO: 'info', DEBUG: 'debug', TRACE: 'trace' } as const)[level] ?? 'info');
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
