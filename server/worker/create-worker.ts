import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../../activities/index.js';
import type { Tracing } from '../tracing/tracing.js';
import { requestIdLogAttributes } from './request-id-interceptor.js';

export interface HeraldWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  maxCachedWorkflows: number;
  /** A pre-built workflow bundle (tests build it once per run); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string | undefined;
  /** Activity spans and the workflows' span sink, when tracing is on. */
  tracing?: Tracing | undefined;
}

export interface HeraldWorker {
  /** Resolves when the worker has shut down. */
  run(): Promise<void>;
  /** Stops polling, lets running activities finish, then resolves. */
  shutdown(): Promise<void>;
}

/** The only place activity dependencies are built and wired. */
export async function createHeraldWorker(options: HeraldWorkerOptions): Promise<HeraldWorker> {
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    // A prebuilt bundle already holds the workflow interceptors (see workflow-bundle.ts).
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: workflowsPath() }),
    interceptors: {
      ...(options.workflowBundlePath ? {} : { workflowModules: [workflowInterceptorsPath()] }),
      activity: [requestIdLogAttributes, ...(options.tracing?.activityInterceptors ?? [])],
    },
    // A workflow started with a trace context sends its spans here; with tracing off they are dropped, so a
    // workflow traced before a restart without tracing finds the sink it calls.
    sinks: options.tracing?.workflowSinks ?? { exporter: { export: { fn: () => {} } } },
    activities: createActivities(options.activities),
    maxCachedWorkflows: options.maxCachedWorkflows,
    // Never more concurrent workflow tasks than cached workflows, unless the cache is off (the SDK's rule).
    maxConcurrentWorkflowTaskExecutions:
      options.maxCachedWorkflows === 0 ? 40 : Math.max(2, Math.min(40, options.maxCachedWorkflows)),
    shutdownGraceTime: '10s',
  });
  let running: Promise<void> | undefined;
  return {
    run() {
      running ??= worker.run();
      return running;
    },
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** The workflows entry, as TypeScript source (tsx, tests) or compiled JavaScript (`dist/`). */
export function workflowsPath(): string {
  return workflowsFile('index');
}

/** The workflow interceptors (request ids in logs, tracing when a start carries a trace context). */
export function workflowInterceptorsPath(): string {
  return workflowsFile('interceptors');
}

function workflowsFile(name: string): string {
  for (const extension of ['ts', 'js']) {
    const file = fileURLToPath(new URL(`../../workflows/${name}.${extension}`, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new Error(`workflows/${name}.ts not found next to the server code`);
}
