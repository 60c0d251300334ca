import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type {
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInterceptorsFactory,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { requestIdOf } from './shared.js';

/** Where Temporal's OpenTelemetry interceptors carry the trace context from a start to the workflow. */
const TRACE_HEADER = '_tracer-data';

/**
 * Every workflow's interceptors, bundled with the workflow code (`workflowInterceptorModules`), so one bundle serves
 * workers with tracing on and off:
 * - the request id the workflow was started with joins every line it logs (the workflow's own and the SDK's);
 * - a workflow whose start carried a trace context (an API or worker with OTEL_EXPORTER_OTLP_ENDPOINT set started
 *   it) is traced by Temporal's OpenTelemetry interceptors, which pass the context on to its activities and child
 *   workflows and send the workflow's spans out through the worker's `exporter` sink. A workflow started without
 *   one (tracing off, or every workflow recorded in test/replay) runs exactly as if they were not there.
 * Neither issues a command, so neither changes what a workflow's history looks like.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  let requestId: string | undefined;
  let traced:
    | {
        inbound: OpenTelemetryInboundInterceptor;
        outbound: OpenTelemetryOutboundInterceptor;
        internals: OpenTelemetryInternalsInterceptor;
      }
    | undefined;

  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input, next) {
      requestId = requestIdOf(input.args);
      // The headers are in the history, so a replay makes the same choice.
      if (input.headers[TRACE_HEADER] === undefined) return next(input);
      traced = {
        inbound: new OpenTelemetryInboundInterceptor(),
        outbound: new OpenTelemetryOutboundInterceptor(),
        internals: new OpenTelemetryInternalsInterceptor(),
      };
      return traced.inbound.execute(input, next);
    },
    handleSignal: (input, next) => (traced ? traced.inbound.handleSignal(input, next) : next(input)),
  };

  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) => (traced ? traced.outbound.scheduleActivity(input, next) : next(input)),
    scheduleLocalActivity: (input, next) => (traced ? traced.outbound.scheduleLocalActivity(input, next) : next(input)),
    startChildWorkflowExecution: (input, next) =>
      traced ? traced.outbound.startChildWorkflowExecution(input, next) : next(input),
    continueAsNew: (input, next) => (traced ? traced.outbound.continueAsNew(input, next) : next(input)),
    signalWorkflow: (input, next) => (traced ? traced.outbound.signalWorkflow(input, next) : next(input)),
    getLogAttributes(input, next) {
      const attributes = requestId === undefined ? input : { ...input, requestId };
      return traced ? traced.outbound.getLogAttributes(attributes, next) : next(attributes);
    },
  };

  const internals: WorkflowInternalsInterceptor = {
    dispose(input, next) {
      // OpenTelemetry's is async only in its signature: it releases its context and calls `next` at once.
      if (traced) void traced.internals.dispose(input, next);
      else next(input);
    },
  };

  return { inbound: [inbound], outbound: [outbound], internals: [internals] } satisfies WorkflowInterceptors;
};
