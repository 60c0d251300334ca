import { FastifyOtelInstrumentation } from '@fastify/otel';
import {
  createTraceState,
  diag,
  DiagLogLevel,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
  type SerializableSpan,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { TracingSettings } from '../config.js';
import type { Logger } from '../logger.js';
import { heraldVersion } from '../version.js';
import type { Tracing } from './tracing.js';

/** Health checks and scrapes come every few seconds and say nothing about a publish. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

let created: Tracing | undefined;

/**
 * The OpenTelemetry SDK, loaded only when tracing is configured (server/tracing/tracing.ts imports this module
 * dynamically). The tracer provider is process-wide, so it is made once; an API and a worker in one process share it.
 */
export function createOtelTracing(settings: TracingSettings, logger: Logger): Tracing {
  if (created) return created;
  // The exporter's complaints (a collector that cannot be reached) belong in Herald's log, not on stderr.
  diag.setLogger(
    {
      error: (message, ...args) => logger.warn({ component: 'opentelemetry', args }, message),
      warn: (message, ...args) => logger.warn({ component: 'opentelemetry', args }, message),
      info: (message) => logger.debug({ component: 'opentelemetry' }, message),
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const resource = defaultResource().merge(
    resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': heraldVersion }),
  );
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global: Temporal's interceptors find the tracer, the context and the W3C propagator through the API.
  provider.register();
  const tracer = trace.getTracer('herald', heraldVersion);

  const fastify = new FastifyOtelInstrumentation({
    ignorePaths: ({ url }) => UNTRACED_PATHS.has(url.split('?')[0]!),
    // A request span and its handler's; a span per lifecycle hook would say little and cost on every request.
    instrumentHooks: false,
    requestHook: (span, request) => {
      span.updateName(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`);
      // The path without its query, like every URL Herald records; and the id the request's log lines carry.
      span.setAttribute('url.path', request.url.split('?')[0]!);
      span.setAttribute('herald.request_id', request.id);
    },
  });
  fastify.setTracerProvider(provider);

  created = {
    clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor()],
    activityInterceptors: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    workflowSinks: workflowSpanSinks(processor, resource),
    fastifyPlugin: fastify.plugin(),
    traceAttempt: (attempt, post) => {
      const endpoint = new URL(`http://${attempt.host}`);
      return tracer.startActiveSpan(
        'delivery attempt',
        {
          kind: SpanKind.CLIENT,
          // The host and port only: a path or query may carry a token, and no header value is ever recorded.
          attributes: {
            'http.request.method': 'POST',
            'server.address': endpoint.hostname,
            ...(endpoint.port ? { 'server.port': Number(endpoint.port) } : {}),
            'herald.delivery.id': attempt.deliveryId,
            'herald.webhook.id': attempt.webhookId,
            'herald.event.type': attempt.eventType,
            'herald.attempt.number': attempt.attemptNumber,
            'herald.attempt.trigger': attempt.trigger,
          },
        },
        async (span) => {
          try {
            const outcome = await post();
            if (outcome.statusCode !== null) span.setAttribute('http.response.status_code', outcome.statusCode);
            if (!outcome.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error ?? 'failed' });
            return outcome;
          } catch (error) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: 'the attempt could not be made' });
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
    flush: () => provider.forceFlush(),
  };
  logger.info(
    { tracesUrl: redactedUrl(settings.tracesUrl), serviceName: settings.serviceName },
    'OpenTelemetry tracing on',
  );
  return created;
}

/**
 * Workflow spans are made inside the workflow sandbox (Temporal's interceptors, with OpenTelemetry 1.x) and leave it
 * through this sink. The package's own `makeWorkflowExporter` hands them on in the 1.x shape, which the 2.x exporter
 * cannot read (it wants `instrumentationScope` and `parentSpanContext`), so they are converted here.
 */
function workflowSpanSinks(processor: SpanProcessor, resource: Resource): InjectedSinks<OpenTelemetrySinks> {
  return {
    exporter: {
      export: {
        fn: (info: WorkflowInfo, spans: SerializableSpan[]) => {
          for (const span of spans) processor.onEnd(fromWorkflow(span, info, resource));
        },
      },
    },
  };
}

function fromWorkflow(span: SerializableSpan, info: WorkflowInfo, resource: Resource): ReadableSpan {
  const { traceState, ...rest } = span.spanContext;
  const spanContext: SpanContext = { ...rest, ...(traceState ? { traceState: createTraceState(traceState) } : {}) };
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => spanContext,
    ...(span.parentSpanId
      ? { parentSpanContext: { traceId: rest.traceId, spanId: span.parentSpanId, traceFlags: rest.traceFlags } }
      : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: {
      ...span.attributes,
      temporalWorkflowId: info.workflowId,
      temporalWorkflowType: info.workflowType,
      run_id: info.runId,
    },
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource,
    instrumentationScope: {
      name: span.instrumentationLibrary.name,
      ...(span.instrumentationLibrary.version ? { version: span.instrumentationLibrary.version } : {}),
    },
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.username || parsed.password) parsed.username = parsed.password = '***';
  parsed.search = '';
  return parsed.toString();
}
