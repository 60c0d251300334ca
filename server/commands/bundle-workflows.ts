import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeWorkflowBundle } from '../worker/workflow-bundle.js';

/** `herald bundle-workflows <file>`: bundle the workflow code once, at build time, instead of in every worker start. */
export async function bundleWorkflowsCommand(file: string | undefined): Promise<void> {
  if (!file) throw new Error('say where to write the bundle: herald bundle-workflows dist/workflow-bundle.js');
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const bytes = await writeWorkflowBundle(file);
  process.stdout.write(
    `Workflow bundle written to ${file} (${(bytes / 1024).toFixed(0)} KiB). Set HERALD_WORKFLOW_BUNDLE=${path.resolve(file)} for the workers.\n`,
  );
}
