import { Client } from '@temporalio/client';
import { sql } from 'kysely';
import { createDeliveryHttpClient } from '../delivery/delivery-http-client.js';
import { createTargetPolicy } from '../delivery/target-policy.js';
import type { DeliveryPolicy } from '../delivery/policy.js';
import { type Config, ConfigError } from '../config.js';
import { createSecretBox } from '../delivery/secret-box.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { DEFAULT_WORKSPACE_ID } from '../db/tables/workspaces.table.js';
import { assertPortFree } from '../dev-stack/ports.js';
import { createServer } from '../http/create-server.js';
import type { Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { type Bootstrap, ensureBootstrapKey } from '../services/bootstrap.js';
import { seedEventTypes } from '../services/event-types.js';
import { sweepEndpointHealth } from '../services/endpoint-health.js';
import { applyRetention } from '../services/retention.js';
import { tellTurns } from '../services/delivery-turns.js';
import { createAdaptiveObserver, createAttemptObserver } from './attempt-observer.js';
import { registerAdaptiveRateGauge, registerBacklogGauges, registerRateLimitGauges } from './backlog-gauges.js';
import { rateWaits } from '../db/queries/rate-limits.js';
import { adaptiveRates } from '../db/queries/adaptive-rates.js';
import { startMetricsServer } from '../http/metrics-server.js';
import { deliveryBacklog } from '../db/queries/deliveries.js';
import { resealSecrets } from '../services/webhook-secrets.js';
import { connectClient, connectWorker } from '../temporal/connect.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import { startTracing } from '../tracing/start-tracing.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import { createWorkflowGateway } from '../temporal/workflow-gateway.js';
import { userAgent } from '../version.js';
import { createHeraldWorker } from '../worker/create-worker.js';

export type Role = 'api' | 'worker';

export interface AppOptions {
  config: Config;
  /** Resolved by the caller: DATABASE_URL or the embedded Postgres. */
  databaseUrl: string;
  /** Resolved by the caller: TEMPORAL_ADDRESS or the dev server. */
  temporalAddress: string;
  roles: Role[];
  migrate: boolean;
  logger: Logger;
  /** A prebuilt workflow bundle; tests pass one built once per run. Defaults to HERALD_WORKFLOW_BUNDLE. */
  workflowBundlePath?: string | undefined;
  /** Called if the worker dies on its own; the entry point then shuts the process down. */
  onFatal?: (error: unknown) => void;
  /** The process's metrics registry; one is made when omitted. */
  metrics?: Metrics;
}

export interface RunningApp {
  apiUrl: string | undefined;
  /** How the first admin key came about; a generated key is in it, to be shown once. */
  bootstrap: Bootstrap | undefined;
  /** Stops the API, drains the worker, then closes connections. */
  stop(): Promise<void>;
}

/** Herald itself, API and/or worker, on a database and a Temporal server that already run. */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config, logger, roles } = options;
  installTemporalRuntime(logger, { metricsAddress: config.sdkMetricsAddress });
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of stops.reverse())
      await step().catch((error) => logger.error({ err: error }, 'shutdown step failed'));
  };

  try {
    // Before anything it instruments is made; off (and not loaded) unless an OTLP endpoint is configured.
    const tracing = await startTracing(config.tracing, logger);
    // Pushed first, so it runs last: the spans of the shutdown itself go out too.
    if (tracing) stops.push(() => tracing.flush());
    const db = createDatabase({
      url: options.databaseUrl,
      poolSize: config.postgres.poolSize,
      applicationName: `herald-${roles.join('+')}`,
    });
    stops.push(() => db.destroy());
    await sql`SELECT 1`.execute(db).catch((error) => {
      throw new Error(
        `Cannot reach Postgres (${redactUrl(options.databaseUrl)}): ${error.message}. Check DATABASE_URL.`,
        { cause: error },
      );
    });
    if (options.migrate) await migrateToLatest(db, (message) => logger.info(message));
    if (!config.encryptionKeys) {
      throw new ConfigError(
        'HERALD_ENCRYPTION_KEY is not set: webhook secrets are stored sealed under it. Generate one with `openssl rand -base64 32` and keep it safe (`npm start` makes one in its state folder).',
      );
    }
    const secrets = createSecretBox(config.encryptionKeys);
    const resealed = await resealSecrets(db, secrets);
    if (resealed > 0) logger.info({ webhooks: resealed }, 'sealed webhook secrets with the current encryption key');

    // API and worker in one process share the worker's connection, which lets workflows start eagerly: the first
    // workflow task comes back in the start response instead of through a poll.
    const workerConnection = roles.includes('worker') ? await connectWorker(options.temporalAddress) : undefined;
    if (workerConnection) stops.push(() => workerConnection.close());
    const eagerStart = config.temporal.eagerStart && workerConnection !== undefined && roles.includes('api');
    // A worker's own client (the reconciler's) shares its connection; an API-only process opens a client connection.
    const clientInterceptors = tracing?.clientInterceptors ?? [];
    const client = workerConnection
      ? new Client({
          connection: workerConnection,
          namespace: config.temporal.namespace,
          interceptors: { workflow: clientInterceptors },
        })
      : await connectClient(options.temporalAddress, config.temporal.namespace, clientInterceptors);
    if (!workerConnection) stops.push(() => client.connection.close());
    await ensureSearchAttributes(client, config.temporal.namespace);
    const metrics = options.metrics ?? createMetrics({ perWebhook: config.metricsPerWebhook });
    const observe = createAttemptObserver(logger, metrics);
    const deliveryPolicy: DeliveryPolicy = {
      retryScheduleMs: config.delivery.retryScheduleMs,
      attemptTimeoutMs: config.delivery.attemptTimeoutMs,
      jitter: config.delivery.retryJitter,
    };
    const workflows = createWorkflowGateway({
      client,
      taskQueue: config.temporal.taskQueue,
      policy: deliveryPolicy,
      eagerStart,
      drainPerSecond: config.endpoints.drainPerSecond,
    });

    const targetPolicy = createTargetPolicy(config.delivery);
    const http = createDeliveryHttpClient({
      policy: targetPolicy,
      responseExcerptBytes: config.delivery.responseExcerptBytes,
      maxConnectionsPerOrigin: config.delivery.maxConnectionsPerOrigin,
    });
    stops.push(() => http.close());

    if (workerConnection) {
      const worker = await createHeraldWorker({
        connection: workerConnection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        activities: {
          db,
          http,
          userAgent,
          secrets,
          observe,
          traceAttempt: tracing?.traceAttempt,
          tellTurns: (holders) => tellTurns(workflows, holders),
          ...(config.delivery.adaptive
            ? {
                adaptive: {
                  settings: config.delivery.adaptive,
                  observe: createAdaptiveObserver(logger, metrics),
                  failed: (error: unknown) =>
                    logger.warn({ err: error }, 'adaptive rate not adjusted; the next outcome adjusts it'),
                },
              }
            : {}),
          workflows,
          policy: deliveryPolicy,
          reconciler: config.reconciler,
          logger,
          metrics,
          applyRetention: (onBatch) => applyRetention({ db, logger, metrics }, config.retention, onBatch),
          sweepEndpoints: () =>
            sweepEndpointHealth(
              { db, workflows, logger, metrics },
              {
                disableAfterMs: config.endpoints.disableAfterMs,
                warnAfterMs: config.endpoints.warnAfterMs,
                parkedMaxAgeMs: config.endpoints.parkedMaxAgeMs,
                parkedMaxCount: config.endpoints.parkedMaxCount,
              },
            ),
        },
        maxCachedWorkflows: config.temporal.maxCachedWorkflows,
        workflowBundlePath: options.workflowBundlePath ?? config.temporal.workflowBundlePath,
        tracing,
      });
      void worker.run().catch((error) => {
        logger.fatal({ err: error }, 'worker stopped unexpectedly');
        options.onFatal?.(error);
      });
      stops.push(() => worker.shutdown());
      await workflows.ensureReconciler();
    }

    let apiUrl: string | undefined;
    let bootstrap: Bootstrap | undefined;
    if (roles.includes('api')) {
      await assertPortFree(config.http.port, 'PORT', 'the HTTP API', config.http.host);
      bootstrap = await ensureBootstrapKey({ db }, config.adminKey);
      if (config.eventTypesFile) {
        const changed = await seedEventTypes({ db }, DEFAULT_WORKSPACE_ID, config.eventTypesFile);
        logger.info({ file: config.eventTypesFile, changed }, 'event type catalog applied');
      }
      registerBacklogGauges(metrics.registry, () => deliveryBacklog(db));
      registerRateLimitGauges(metrics.registry, () => rateWaits(db));
      registerAdaptiveRateGauge(metrics.registry, () => adaptiveRates(db));
      const server = createServer({
        host: config.http.host,
        port: config.http.port,
        bodyLimitBytes: config.http.bodyLimitBytes,
        publicUrl: config.http.publicUrl,
        logger,
        tracing,
        services: {
          db,
          targetPolicy,
          http,
          userAgent,
          secrets,
          observe,
          traceAttempt: tracing?.traceAttempt,
          deliveryPolicy,
          workflows,
          scheduleHorizonMs: config.schedule.horizonMs,
        },
        metrics,
        health: {
          postgres: () => sql`SELECT 1`.execute(db),
          temporal: () => client.withDeadline(Date.now() + 800, () => client.workflowService.getSystemInfo({})),
        },
      });
      apiUrl = await server.start();
      stops.push(() => server.stop());
    } else if (config.http.metricsPort !== undefined) {
      await assertPortFree(config.http.metricsPort, 'HERALD_METRICS_PORT', "the worker's metrics", config.http.host);
      const metricsServer = await startMetricsServer(metrics.registry, config.http.host, config.http.metricsPort);
      stops.push(() => metricsServer.stop());
      logger.info({ url: metricsServer.url }, 'metrics served');
    }
    return { apiUrl, bootstrap, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
