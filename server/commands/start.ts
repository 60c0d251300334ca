import fs from 'node:fs/promises';
import path from 'node:path';
import { startApp, redactUrl } from '../app/create-app.js';
import type { Config } from '../config.js';
import { startEmbeddedPostgres, stopLeftoverPostgres } from '../dev-stack/embedded-postgres.js';
import { assertPortFree } from '../dev-stack/ports.js';
import { isAlive, readPid } from '../dev-stack/server-process.js';
import { findTemporalCli } from '../dev-stack/temporal-cli.js';
import { startTemporalDevServer, stopLeftoverDevServer } from '../dev-stack/temporal-dev-server.js';
import { createLogger } from '../logger.js';
import { generateEncryptionKey } from '../delivery/secret-box.js';
import { ensurePortalAssets } from '../http/portal-assets.js';
import { heraldVersion } from '../version.js';
import { allSearchAttributes } from '../../workflows/shared.js';
import { bootstrapNotice } from './bootstrap-notice.js';
import { Lifecycle } from './lifecycle.js';

const say = (message: string) => process.stdout.write(`${message}\n`);

/**
 * `npm start`: the whole stack in one process tree. Postgres and Temporal are the configured ones, or embedded
 * ones keeping their data in the state folder; then migrations, the worker and the API.
 */
export async function startCommand(config: Config): Promise<void> {
  const started = performance.now();
  const logger = createLogger(config.logLevel, 'herald', {
    format: config.logFormat,
    production: config.mode === 'production',
  });
  const lifecycle = new Lifecycle(say);
  lifecycle.handleSignals();
  await fs.mkdir(config.stateDir, { recursive: true });
  await claimStateDir(config.stateDir);
  lifecycle.add('state folder', () => fs.rm(path.join(config.stateDir, 'herald.pid'), { force: true }));
  // Servers an earlier Herald left running when it was killed hold the ports and the data; stop them first.
  if (!config.postgres.url) await stopLeftoverPostgres(path.join(config.stateDir, 'postgres'), say);
  if (!config.temporal.address) await stopLeftoverDevServer(path.join(config.stateDir, 'temporal.sqlite'), say);
  const lines: string[] = [];

  try {
    let databaseUrl = config.postgres.url;
    if (databaseUrl) {
      lines.push(`  Postgres     ${redactUrl(databaseUrl)} (DATABASE_URL)`);
    } else {
      await assertPortFree(config.postgres.embeddedPort, 'HERALD_POSTGRES_PORT', 'the embedded Postgres');
      say(`Starting Postgres on 127.0.0.1:${config.postgres.embeddedPort}…`);
      const postgres = await startEmbeddedPostgres({
        dataDir: path.join(config.stateDir, 'postgres'),
        port: config.postgres.embeddedPort,
        durable: true,
        log: say,
      });
      lifecycle.add('Postgres', () => postgres.stop());
      await postgres.createDatabase('herald');
      databaseUrl = postgres.urlFor('herald');
      lines.push(
        `  Postgres     ${redactUrl(databaseUrl)} (embedded, data in ${path.join(config.stateDir, 'postgres')})`,
      );
    }

    let temporalAddress = config.temporal.address;
    if (temporalAddress) {
      lines.push(`  Temporal     ${temporalAddress}, namespace ${config.temporal.namespace} (TEMPORAL_ADDRESS)`);
    } else {
      const { devServerPort: port, devServerUiPort: uiPort } = config.temporal;
      await assertPortFree(port, 'HERALD_TEMPORAL_PORT', 'the Temporal dev server');
      await assertPortFree(uiPort, 'HERALD_TEMPORAL_UI_PORT', 'the Temporal Web UI');
      const cli = await findTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, log: say });
      say(`Starting the Temporal dev server on 127.0.0.1:${port}…`);
      const temporal = await startTemporalDevServer({
        cli,
        port,
        uiPort,
        dbFilename: path.join(config.stateDir, 'temporal.sqlite'),
        namespace: config.temporal.namespace,
        searchAttributes: allSearchAttributes,
        workDir: config.stateDir,
      });
      lifecycle.add('Temporal dev server', () => temporal.stop());
      temporalAddress = temporal.address;
      lines.push(`  Temporal UI  ${temporal.uiUrl}`);
      lines.push(
        `  Temporal     ${temporal.address}, namespace ${config.temporal.namespace} (dev server, ${cli.source})`,
      );
    }

    const encryptionKeys = config.encryptionKeys ?? [await stateEncryptionKey(config.stateDir)];
    if (!config.encryptionKeys)
      lines.push(`  Secrets      sealed with the key in ${path.join(config.stateDir, 'encryption.key')}`);

    if ((await ensurePortalAssets()) === 'built') say("Built the portal's page into dist/portal-ui.");
    say('Migrating the database and starting the worker and the API…');
    const app = await startApp({
      config: { ...config, encryptionKeys },
      databaseUrl,
      temporalAddress,
      roles: ['worker', 'api'],
      migrate: true,
      logger,
      onFatal: () => void lifecycle.stopAndExit(1),
    });
    lifecycle.add('Herald', () => app.stop());

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    say('');
    say(`Herald ${heraldVersion} is ready in ${seconds} s (${config.mode} mode)`);
    say(`  API          ${app.apiUrl}/trpc   health: ${app.apiUrl}/readyz`);
    for (const line of lines) say(line);
    say(`  State        ${config.stateDir}`);
    say(`  API docs     ${app.apiUrl}/docs   (OpenAPI: ${app.apiUrl}/openapi.json)`);
    say(`  Portal       ${app.apiUrl}/portal/   (open it with a link from portal.createSession)`);
    say(bootstrapNotice(app.bootstrap));
    say('Press Ctrl-C to stop.');
  } catch (error) {
    await lifecycle.stop(1);
    throw error;
  }
}

/**
 * One `herald start` per state folder: a second one would fight the first over its Postgres and Temporal files.
 * A pid left by a Herald that was killed is simply taken over (its servers are stopped as they are started).
 */
async function claimStateDir(stateDir: string): Promise<void> {
  const pidFile = path.join(stateDir, 'herald.pid');
  const pid = await readPid(pidFile);
  if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
    const commandLine = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes('start')) {
      throw new Error(
        `Another Herald (pid ${pid}) is running on the state folder ${stateDir}. Stop it first, or set HERALD_STATE_DIR to another folder.`,
      );
    }
  }
  await fs.writeFile(pidFile, `${process.pid}\n`);
}

/**
 * The key that seals webhook secrets in this state folder: made on first start (mode 0600) and kept beside the data
 * it protects. Production sets HERALD_ENCRYPTION_KEY instead, and keeps it apart from the database's backups.
 */
async function stateEncryptionKey(stateDir: string): Promise<string> {
  const file = path.join(stateDir, 'encryption.key');
  const existing = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const key = generateEncryptionKey();
  await fs.writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  say(
    `Generated a key for sealing webhook secrets: ${file} (keep it with the data; production sets HERALD_ENCRYPTION_KEY).`,
  );
  return (await fs.readFile(file, 'utf8')).trim();
}
