import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorsPath, workflowsPath } from './create-worker.js';

/** webpack's progress lines are noise in a command's output; warnings and errors still show. */
const quietBundlerLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  log: () => {},
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};

/** Bundles Herald's workflows and their interceptors as the worker would at start-up, and writes the bundle to `file`. Returns its size. */
export async function writeWorkflowBundle(file: string): Promise<number> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    // Always bundled: they trace only workflows whose start carried a trace context, so one bundle serves workers
    // with tracing on and off.
    workflowInterceptorModules: [workflowInterceptorsPath()],
    logger: quietBundlerLogger,
  });
  await writeFile(file, bundle.code);
  return Buffer.byteLength(bundle.code);
}
