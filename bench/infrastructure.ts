import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../server/config.js';
import { createDatabase } from '../server/db/database.js';
import { migrateToLatest } from '../server/db/migrate.js';
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
  namespace: string;
  temporalVersion: string;
  /** The server's Prometheus endpoint, to count server requests per delivery; undefined when unknown. */
  temporalMetricsUrl: string | undefined;
  /** The workflow bundle, built once, as production builds it (`herald bundle-workflows`). */
  workflowBundlePath: string;
  stop(): Promise<void>;
}

/** An existing Temporal cluster and Postgres to run against, instead of the embedded ones. */
export interface ExternalTargets {
  temporalAddress?: string | undefined;
  namespace?: string | undefined;
  temporalMetricsUrl?: string | undefined;
  /** A database the benchmark may migrate and fill: it is not emptied afterwards. */
  databaseUrl?: string | undefined;
}

/**
 * By default Postgres and Temporal exactly as `npm start` runs them (embedded, durable Postgres; the CLI dev server
 * with a file database and the WAL pragmas), in a throwaway state folder so the benchmark never touches `.herald/`.
 * Given an existing Temporal cluster and/or Postgres, it uses those instead, so the same workloads measure the
 * production shape.
 */
export async function startBenchInfrastructure(
  log: (message: string) => void,
  external: ExternalTargets = {},
): Promise<BenchInfrastructure> {
  const config = loadConfig();
  installTemporalRuntime(createLogger('warn', 'bench'));
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-bench-'));
  await fs.chmod(stateDir, 0o755);
  const stops: Array<() => Promise<unknown>> = [() => fs.rm(stateDir, { recursive: true, force: true })];

  let databaseUrl = external.databaseUrl;
  if (!databaseUrl) {
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(stateDir, 'postgres'),
      port: await freePort(),
      durable: true,
      log,
    });
    stops.push(() => postgres.stop());
    await postgres.createDatabase('herald');
    databaseUrl = postgres.urlFor('herald');
  }
  const db = createDatabase({ url: databaseUrl, poolSize: 1, applicationName: 'herald-bench-migrate' });
  await migrateToLatest(db, log).finally(() => db.destroy());

  let temporalAddress = external.temporalAddress;
  let temporalMetricsUrl = external.temporalMetricsUrl;
  let temporalVersion = 'external Temporal cluster';
  if (!temporalAddress) {
    const cli = await findTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, log });
    const temporal = await startTemporalDevServer({
      cli,
      port: await freePort(),
      uiPort: undefined,
      dbFilename: path.join(stateDir, 'temporal.sqlite'),
      namespace: 'default',
      searchAttributes: allSearchAttributes,
      workDir: stateDir,
    });
    stops.push(() => temporal.stop());
    temporalAddress = temporal.address;
    temporalMetricsUrl = temporal.metricsUrl;
    temporalVersion = (await promisify(execFile)(cli.path, ['--version'])).stdout.trim();
  }
  const workflowBundlePath = path.join(stateDir, 'workflow-bundle.js');
  await writeWorkflowBundle(workflowBundlePath);
  return {
    workflowBundlePath,
    databaseUrl,
    temporalAddress,
    namespace: external.namespace ?? 'default',
    temporalVersion,
    temporalMetricsUrl,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
