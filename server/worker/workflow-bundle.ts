import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './create-worker.js';

/** webpack's progress lines are noise in a command's output; warnings and errors still show. */
const quietBundlerLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  log: () => {},
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};

/** Bundles Herald's workflows as the worker would at start-up, and writes the bundle to `file`. Returns its size. */
export async function writeWorkflowBundle(file: string): Promise<number> {
  const bundle = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
  await writeFile(file, bundle.code);
  return Buffer.byteLength(bundle.code);
}
