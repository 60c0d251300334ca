import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../server/config.js';
import { findTemporalCli } from '../../server/dev-stack/temporal-cli.js';
import { writeWorkflowBundle } from '../../server/worker/workflow-bundle.js';

export interface FaultInfrastructure {
  temporalCliPath: string;
  workflowBundlePath: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    faults: FaultInfrastructure;
  }
}

/** What every fault test shares: the Temporal CLI (found or fetched once) and the workflow bundle, built once. */
export default async function setup(project: TestProject) {
  const config = loadConfig();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-faults-'));
  const cli = await findTemporalCli({
    cliPath: config.temporal.cliPath,
    cacheDir: config.cacheDir,
    log: (m) => process.stderr.write(`[faults] ${m}\n`),
  });
  const workflowBundlePath = path.join(work, 'workflow-bundle.js');
  await writeWorkflowBundle(workflowBundlePath);
  project.provide('faults', { temporalCliPath: cli.path, workflowBundlePath });
  return () => fs.rm(work, { recursive: true, force: true });
}
