import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { freePort } from './ports.js';
import { logTail, type ServerProcess, startServerProcess, stopLeftovers } from './server-process.js';
import type { TemporalCli } from './temporal-cli.js';

export interface TemporalDevServerOptions {
  cli: TemporalCli;
  port: number;
  uiPort: number | undefined;
  /** SQLite file; undefined keeps everything in memory (tests). */
  dbFilename: string | undefined;
  namespace: string;
  searchAttributes: Array<{ name: string; type: SearchAttributeType }>;
  /** Server dynamic config, such as `history.timerProcessorMaxTimeShift` for tests on millisecond schedules. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Where the server serves Prometheus metrics; a random free port when omitted. */
  metricsPort?: number;
  /** Where its output and its pid go: the state folder, or a test's work folder. */
  workDir: string;
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string | undefined;
  metricsUrl: string;
  /** The server process, for tests that kill it the way a crash would. */
  process: ServerProcess;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

const attributeTypes: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/**
 * Runs `temporal server start-dev` as a process group of its own (see server-process.ts), with a file database
 * in WAL mode when a file is given, Herald's search attributes registered, and the Web UI unless none is wanted.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const ip = '127.0.0.1';
  if (options.dbFilename) await stopLeftoverDevServer(options.dbFilename, () => undefined);
  const metricsPort = options.metricsPort ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--metrics-port',
    String(metricsPort),
    '--log-format',
    'pretty',
    '--log-level',
    'error',
    ...(options.uiPort !== undefined
      ? ['--ui-port', String(options.uiPort), '--ui-disable-news-fetch']
      : ['--headless']),
    // WAL with synchronous=normal gave 2.6x the throughput of SQLite's defaults here and is still crash-safe
    // for the database file; only the last transactions before a power loss can be lost.
    ...(options.dbFilename
      ? [
          '--db-filename',
          options.dbFilename,
          '--sqlite-pragma',
          'journal_mode=wal',
          '--sqlite-pragma',
          'synchronous=normal',
        ]
      : []),
    ...options.searchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${attributeTypes[key.type]}`]),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
  ];
  const logFile = path.join(options.workDir, 'temporal.log');
  const server = startServerProcess({ command: options.cli.path, args, logFile });
  const address = `${ip}:${options.port}`;
  try {
    await waitUntilServing(address, options.namespace, server);
  } catch (error) {
    await server.stop('SIGTERM', 10_000);
    throw new Error(
      `The Temporal dev server did not start on ${address}: ${(error as Error).message}. Its last output:\n${logTail(logFile)}`,
      {
        cause: error,
      },
    );
  }
  return {
    address,
    uiUrl: options.uiPort !== undefined ? `http://${ip}:${options.uiPort}` : undefined,
    metricsUrl: `http://${ip}:${metricsPort}/metrics`,
    process: server,
    stop: () => server.stop('SIGTERM', 30_000),
  };
}

/** A dev server that a killed Herald left running on this database file is stopped. */
export async function stopLeftoverDevServer(dbFilename: string, say: (message: string) => void): Promise<void> {
  await stopLeftovers({
    matches: (commandLine) =>
      commandLine.includes('server start-dev') && commandLine.includes(`--db-filename ${dbFilename} `),
    signal: 'SIGTERM',
    say,
  });
}

/** Polls until the frontend answers and the namespace exists, or fails as soon as the process has exited. */
async function waitUntilServing(address: string, namespace: string, server: ServerProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    if (server.hasExited()) throw new Error(`the server exited (${await server.exited})`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.withDeadline(Date.now() + 1_000, () =>
        connection!.workflowService.describeNamespace({ namespace }),
      );
      return;
    } catch (error) {
      last = error;
    } finally {
      await connection?.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer within ${STARTUP_TIMEOUT_MS / 1000} s (${(last as Error)?.message})`);
}
