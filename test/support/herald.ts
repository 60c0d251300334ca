import { randomBytes } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { sql } from 'kysely';
import { inject } from 'vitest';
import { createHeraldClient, type HeraldClient } from '../../client/index.js';
import { type Role, type RunningApp, startApp } from '../../server/app/create-app.js';
import { type Config, type Environment, loadConfig } from '../../server/config.js';
import { createDatabase, type Db } from '../../server/db/database.js';
import { DEFAULT_WORKSPACE_ID } from '../../server/db/tables/workspaces.table.js';
import { legacyFanOutWorkflowId } from '../../workflows/shared.js';
import type { Scope } from '../../server/db/scope.js';
import { createLogger, type Logger } from '../../server/logger.js';
import type { Metrics } from '../../server/metrics.js';
import { TEMPLATE_DATABASE } from './infrastructure.js';
import { waitFor } from './wait-for.js';

export interface TestHerald {
  url: string;
  /** Typed client with the admin key: every permission, default workspace, live mode. */
  client: HeraldClient;
  adminKey: string;
  /** Where the admin key acts. */
  scope: Scope;
  /** Direct database access, to check what was recorded. */
  db: Db;
  config: Config;
  databaseUrl: string;
  temporalAddress: string;
  /** A Temporal client on the same server and namespace, to inspect workflows. */
  temporalClient(): Client;
  /** The fan-out workflow of an event published with the admin key (its id is looked up from the deliveries). */
  fanOut(eventId: string): FanOutHandle;
  /** Starts a worker in this process on the same database and task queue (for stacks started without one). */
  startWorker(options?: { logger?: Logger; metrics?: Metrics; env?: Environment }): Promise<RunningApp>;
  /** Waits until a delivery is no longer pending, and returns it with its attempts. */
  settled(deliveryId: string): Promise<Awaited<ReturnType<HeraldClient['deliveries']['get']['query']>>>;
  stop(): Promise<void>;
}

/** One key for every test stack of the run, so processes sharing a database open each other's secrets. */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** A workflow handle resolved on first use: a fan-out's id names its publication, read from Postgres. */
export interface FanOutHandle {
  workflowId(): Promise<string>;
  result(): ReturnType<WorkflowHandle['result']>;
  describe(): ReturnType<WorkflowHandle['describe']>;
}

/**
 * Settings every test stack starts from: deliveries may only reach loopback, retries wait milliseconds
 * instead of hours, and each stack has its own task queue on the shared dev server.
 */
export function testEnvironment(overrides: Environment = {}): Environment {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    HERALD_TASK_QUEUE: `test-${randomBytes(6).toString('hex')}`,
    HERALD_ADMIN_KEY: `hk_live_${randomBytes(24).toString('base64url')}`,
    HERALD_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128',
    HERALD_ALLOW_HTTP: 'true',
    HERALD_RETRY_SCHEDULE: '0,20ms,20ms,20ms,20ms',
    // Exact schedules: tests check the waits.
    HERALD_RETRY_JITTER: '0',
    HERALD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    HERALD_ATTEMPT_TIMEOUT: '2s',
    DATABASE_POOL_SIZE: '10',
    ...overrides,
  };
}

/** A fresh database copied from the migrated template; dropped again by `stop`. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const { adminUrl } = inject('infrastructure');
  const name = `herald_test_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ url: adminUrl, poolSize: 1, applicationName: 'herald-test' });
  await sql`CREATE DATABASE ${sql.id(name)} TEMPLATE ${sql.id(TEMPLATE_DATABASE)}`.execute(admin);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
      await admin.destroy();
    },
  };
}

/** Herald as `npm start` runs it (same `startApp`), on the run's shared Temporal and Postgres servers. */
export async function startTestHerald(
  options: { env?: Environment; roles?: Role[]; logger?: Logger } = {},
): Promise<TestHerald> {
  const infrastructure = inject('infrastructure');
  const config = loadConfig(testEnvironment({ TEMPORAL_NAMESPACE: infrastructure.namespace, ...options.env }));
  const database = await createTestDatabase();
  const db = createDatabase({ url: database.url, poolSize: 2, applicationName: 'herald-test-assertions' });
  const app = await startApp({
    config,
    databaseUrl: database.url,
    temporalAddress: infrastructure.temporalAddress,
    roles: options.roles ?? ['api', 'worker'],
    migrate: false,
    logger: options.logger ?? createLogger(config.logLevel, 'herald-test'),
    workflowBundlePath: infrastructure.workflowBundlePath,
  });
  const url = app.apiUrl ?? 'http://127.0.0.1:0';
  const adminKey = config.adminKey!;
  const scope: Scope = { workspaceId: DEFAULT_WORKSPACE_ID, mode: 'live' };
  let temporal: Client | undefined;
  const temporalClient = () =>
    (temporal ??= new Client({
      connection: Connection.lazy({ address: infrastructure.temporalAddress }),
      namespace: config.temporal.namespace,
    }));
  const client = createHeraldClient({ url, apiKey: adminKey });
  const workers: RunningApp[] = [];
  return {
    url,
    client,
    adminKey,
    scope,
    db,
    config,
    databaseUrl: database.url,
    temporalAddress: infrastructure.temporalAddress,
    temporalClient,
    fanOut: (eventId) => {
      const workflowId = async () => {
        const row = await db
          .selectFrom('deliveries')
          .select('workflow_id')
          .where('event_id', '=', eventId)
          .where('workflow_id', 'is not', null)
          .executeTakeFirst();
        // No delivery, no workflow: the plain event id names nothing, which is what a test of that case expects.
        return row?.workflow_id ?? legacyFanOutWorkflowId(scope, eventId);
      };
      const handle = async () => temporalClient().workflow.getHandle(await workflowId());
      return {
        workflowId,
        result: async () => (await handle()).result(),
        describe: async () => (await handle()).describe(),
      };
    },
    async startWorker(workerOptions = {}) {
      const workerConfig = workerOptions.env
        ? loadConfig({
            ...testEnvironment({ TEMPORAL_NAMESPACE: infrastructure.namespace, ...options.env }),
            ...workerOptions.env,
            HERALD_TASK_QUEUE: config.temporal.taskQueue,
          })
        : config;
      const worker = await startApp({
        config: workerConfig,
        databaseUrl: database.url,
        temporalAddress: infrastructure.temporalAddress,
        roles: ['worker'],
        migrate: false,
        logger: workerOptions.logger ?? createLogger(config.logLevel, 'herald-test-worker'),
        metrics: workerOptions.metrics,
        workflowBundlePath: infrastructure.workflowBundlePath,
      });
      workers.push(worker);
      return worker;
    },
    settled: (deliveryId) =>
      waitFor(
        async () => {
          const delivery = await client.deliveries.get.query({ id: deliveryId });
          return delivery.status !== 'pending' ? delivery : undefined;
        },
        { what: `delivery ${deliveryId} to settle` },
      ),
    async stop() {
      for (const worker of workers.splice(0)) await worker.stop();
      await temporal?.connection.close();
      await app.stop();
      await db.destroy();
      await database.drop();
    },
  };
}
