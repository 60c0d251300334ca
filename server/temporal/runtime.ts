import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installed = false;

/**
 * Routes the Temporal SDK's own logs (worker state, core warnings) into Herald's logger at warn and above.
 * The runtime is process-wide and can be installed once, before the first connection.
 */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const sdkLogger = new DefaultLogger('WARN', ({ level, message, meta }) => {
    const method = ({ ERROR: 'error', WARN: 'warn' } as Partial<Record<LogLevel, 'error' | 'warn'>>)[level] ?? 'info';
    logger[method]({ component: 'temporal', ...meta }, message);
  });
  Runtime.install({ logger: sdkLogger, telemetryOptions: { logging: { forward: {}, filter: 'WARN' } } });
}
