import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../server/config.js';
import { createDatabase } from '../../server/db/database.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { startEmbeddedPostgres } from '../../server/dev-stack/embedded-postgres.js';
import { freePort } from '../../server/dev-stack/ports.js';
import { ensurePortalAssets } from '../../server/http/portal-assets.js';
import { findTemporalCli } from '../../server/dev-stack/temporal-cli.js';
import { startTemporalDevServer } from '../../server/dev-stack/temporal-dev-server.js';
import { writeWorkflowBundle } from '../../server/worker/workflow-bundle.js';
import { allSearchAttributes } from '../../workflows/shared.js';
import { TEMPLATE_DATABASE, type TestInfrastructure } from './infrastructure.js';

declare module 'vitest' {
  export interface ProvidedContext {
    infrastructure: TestInfrastructure;
  }
}

const log = (message: string) => process.stderr.write(`[test setup] ${message}\n`);

/**
 * Starts what every test file shares: a real Temporal dev server (or TEMPORAL_ADDRESS), a real Postgres (embedded,
 * or DATABASE_URL's server) holding a migrated template database, and the workflow bundle, built once.
 */
export default async function setup(project: TestProject) {
  const config = loadConfig();
  const stops: Array<() => Promise<unknown>> = [];
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-test-'));
  // Running as root, the embedded Postgres runs as the `postgres` user, which must be able to enter this folder.
  await fs.chmod(work, 0o755);
  stops.push(() => fs.rm(work, { recursive: true, force: true }));

  let adminUrl: string;
  if (config.postgres.url) {
    adminUrl = config.postgres.url;
  } else {
    const postgres = await onAFreePort((port) =>
      startEmbeddedPostgres({ dataDir: path.join(work, 'postgres'), port, durable: false, log }),
    );
    stops.push(() => postgres.stop());
    adminUrl = postgres.urlFor('postgres');
  }

  let temporalAddress = config.temporal.address;
  if (!temporalAddress) {
    const cli = await findTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, log });
    const server = await onAFreePort((port) =>
      startTemporalDevServer({
        cli,
        port,
        uiPort: undefined,
        dbFilename: undefined,
        namespace: config.temporal.namespace,
        searchAttributes: allSearchAttributes,
        // The server fires timers up to 1 s late by default; tests run the retry schedule in milliseconds.
        dynamicConfig: { 'history.timerProcessorMaxTimeShift': '1ms' },
        workDir: work,
      }),
    );
    stops.push(() => server.stop());
    temporalAddress = server.address;
  }

  // Bundled once for the run, as production does at build time (`herald bundle-workflows`).
  const workflowBundlePath = path.join(work, 'workflow-bundle.js');
  // The portal's page too, as `herald start` does: built when missing or older than its sources.
  await Promise.all([writeWorkflowBundle(workflowBundlePath), createTemplateDatabase(adminUrl), ensurePortalAssets()]);

  project.provide('infrastructure', {
    adminUrl,
    temporalAddress,
    namespace: config.temporal.namespace,
    workflowBundlePath,
  });
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

async function createTemplateDatabase(adminUrl: string): Promise<void> {
  const admin = createDatabase({ url: adminUrl, poolSize: 1, applicationName: 'herald-test-setup' });
  try {
    await sql`DROP DATABASE IF EXISTS ${sql.id(TEMPLATE_DATABASE)} WITH (FORCE)`.execute(admin);
    await sql`CREATE DATABASE ${sql.id(TEMPLATE_DATABASE)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${TEMPLATE_DATABASE}`;
  const template = createDatabase({ url: url.toString(), poolSize: 1, applicationName: 'herald-test-setup' });
  try {
    await migrateToLatest(template, () => undefined);
  } finally {
    await template.destroy();
  }
}

/**
 * Starts a server on a port that was free a moment ago. Another process (a parallel test run, a benchmark) can
 * take the port in between; the server then fails to bind, and it is tried again on a fresh one.
 */
async function onAFreePort<T>(start: (port: number) => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      const taken = /address already in use|could not bind|EADDRINUSE/i.test(String((error as Error).message));
      if (!taken || attempt >= tries) throw error;
    }
  }
}
