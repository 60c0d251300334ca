import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { FastifyPluginCallback } from 'fastify';
import type { AttemptDeps } from '../delivery/run-attempts.js';

/**
 * OpenTelemetry tracing, handed to the pieces it instruments: the API (a span per request), the Temporal client
 * (a workflow start carries the trace context to the workflow), the worker (activity spans, and the sink the
 * workflows' spans leave by) and each delivery attempt. One publish is then one trace, from the API call to every
 * attempt.
 */
export interface Tracing {
  clientInterceptors: WorkflowClientInterceptor[];
  activityInterceptors: ActivityInterceptorsFactory[];
  /** The `exporter` sink workflows/interceptors.ts sends workflow spans to. */
  workflowSinks: InjectedSinks<OpenTelemetrySinks>;
  /** Registered before any route, so every request gets its span. */
  fastifyPlugin: FastifyPluginCallback;
  traceAttempt: NonNullable<AttemptDeps['traceAttempt']>;
  /** Sends the spans still buffered; called as the process stops. */
  flush(): Promise<void>;
}
