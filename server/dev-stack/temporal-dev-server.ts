import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DevServerConfig } from '@temporalio/testing';
import type { TemporalCli } from './temporal-cli.js';

export interface TemporalDevServerOptions {
  cli: TemporalCli;
  port: number;
  uiPort: number | undefined;
  /** SQLite file; undefined keeps everything in memory (tests). */
  dbFilename: string | undefined;
  namespace: string;
  searchAttributes: NonNullable<DevServerConfig['searchAttributes']>;
  /** Server dynamic config, such as `history.timerProcessorMaxTimeShift` for tests on millisecond schedules. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Where the server serves Prometheus metrics; a random free port when omitted. */
  metricsPort?: number;
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev`. The SDK's ephemeral-server support runs the process, waits until it
 * answers and stops it again, so Herald does not re-implement process supervision.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const ip = '127.0.0.1';
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: options.cli.executable,
      ip,
      port: options.port || undefined,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      dbFilename: options.dbFilename,
      namespace: options.namespace,
      searchAttributes: options.searchAttributes,
      log: { format: 'pretty', level: 'error' },
      // WAL with synchronous=normal gave 2.6x the throughput of SQLite's defaults here and is still crash-safe
      // for the database file; only the last transactions before a power loss can be lost.
      extraArgs: [
        '--sqlite-pragma', 'journal_mode=wal',
        '--sqlite-pragma', 'synchronous=normal',
        '--ui-disable-news-fetch',
        ...(options.metricsPort ? ['--metrics-port', String(options.metricsPort)] : []),
        ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
      ],
    },
  });
  const address = env.address;
  return {
    address,
    uiUrl: options.uiPort !== undefined ? `http://${ip}:${options.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}
