import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../../activities/index.js';

export interface HeraldWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  maxCachedWorkflows: number;
  /** A pre-built workflow bundle (tests build it once per run); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string | undefined;
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
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: workflowsPath() }),
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
  for (const extension of ['ts', 'js']) {
    const file = fileURLToPath(new URL(`../../workflows/index.${extension}`, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new Error('workflows/index.ts not found next to the server code');
}
