import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../server/config.js';
import { startEmbeddedPostgres } from '../server/dev-stack/embedded-postgres.js';
import { freePort } from '../server/dev-stack/ports.js';
import { findTemporalCli } from '../server/dev-stack/temporal-cli.js';
import { startTemporalDevServer } from '../server/dev-stack/temporal-dev-server.js';
import { installTemporalRuntime } from '../server/temporal/runtime.js';
import { createLogger } from '../server/logger.js';
import { allSearchAttributes } from '../workflows/shared.js';
import { writeWorkflowBundle } from '../server/worker/workflow-bundle.js';

export interface BenchInfrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalVersion: string;
  /** The dev server's Prometheus endpoint, to count server requests per delivery. */
  temporalMetricsUrl: string;
  /** The workflow bundle, built once, as production builds it (`herald bundle-workflows`). */
  workflowBundlePath: string;
  stop(): Promise<void>;
}

/**
 * Postgres and Temporal exactly as `npm start` runs them (embedded, durable Postgres; the CLI dev server with a
 * file database and the WAL pragmas), in a throwaway state folder so the benchmark never touches `.herald/`.
 */
export async function startBenchInfrastructure(log: (message: string) => void): Promise<BenchInfrastructure> {
  const config = loadConfig();
  installTemporalRuntime(createLogger('warn', 'bench'));
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-bench-'));
  await fs.chmod(stateDir, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(stateDir, 'postgres'), port: await freePort(), durable: true, log });
  await postgres.createDatabase('herald');
  const cli = await findTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, log });
  const metricsPort = await freePort();
  const temporal = await startTemporalDevServer({
    metricsPort,
    cli,
    port: await freePort(),
    uiPort: undefined,
    dbFilename: path.join(stateDir, 'temporal.sqlite'),
    namespace: 'default',
    searchAttributes: allSearchAttributes,
  });
  let temporalVersion = 'unknown';
  if (cli.executable.type === 'existing-path') {
    const { stdout } = await promisify(execFile)(cli.executable.path, ['--version']);
    temporalVersion = stdout.trim();
  }
  const workflowBundlePath = path.join(stateDir, 'workflow-bundle.js');
  await writeWorkflowBundle(workflowBundlePath);
  return {
    workflowBundlePath,
    databaseUrl: postgres.urlFor('herald'),
    temporalAddress: temporal.address,
    temporalVersion,
    temporalMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    stop: async () => {
      await temporal.stop();
      await postgres.stop();
      await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
}
