import type { TracingSettings } from '../config.js';
import type { Logger } from '../logger.js';
import type { Tracing } from './tracing.js';

/**
 * Tracing as configured, or undefined when no OTLP endpoint is set: then none of OpenTelemetry's SDK is loaded
 * (this module only imports types) and nothing on the delivery path pays for it.
 */
export async function startTracing(
  settings: TracingSettings | undefined,
  logger: Logger,
): Promise<Tracing | undefined> {
  if (!settings) return undefined;
  const { createOtelTracing } = await import('./otel-tracing.js');
  return createOtelTracing(settings, logger);
}
