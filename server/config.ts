import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ms from 'ms';
import { z } from 'zod';
import { ADAPTIVE_DECREASE_WINDOW_MS, type AdaptiveSettings } from './delivery/adaptive-rate.js';
import { validateNetworks } from './delivery/target-policy.js';

/**
 * Every setting Herald reads, parsed once from the environment at start-up.
 * Nothing else in the code base reads `process.env`; the parsed `Config` is passed down.
 */

const port = z.coerce.number().int().min(0).max(65_535);

const duration = z.string().transform((value, ctx) => {
  try {
    const millis = ms(value.trim() as ms.StringValue);
    if (!Number.isFinite(millis) || millis < 0) throw new Error('not a duration');
    return millis;
  } catch {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as "5s", "500ms" or "2h", got "${value}"` });
    return z.NEVER;
  }
});

/** "0,30s,5m,30m,2h": the delay before each attempt; its length is the number of attempts. */
const retrySchedule = z.string().transform((value, ctx) => {
  const parts = value.split(',').map((part) => part.trim());
  const delays = parts.map((part) => duration.safeParse(part));
  const bad = delays.findIndex((result) => !result.success);
  if (bad >= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `entry ${bad + 1} ("${parts[bad]}") is not a duration such as "30s" or "5m"`,
    });
    return z.NEVER;
  }
  if (parts.length < 1 || parts.length > 20) {
    ctx.addIssue({ code: 'custom', message: 'expected between 1 and 20 attempts' });
    return z.NEVER;
  }
  return delays.map((result) => result.data as number);
});

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const otlpUrl = z.url({
  protocol: /^https?$/,
  error: "expected the http(s) URL of an OTLP/HTTP receiver, such as http://collector:4318 (a collector's HTTP port)",
});

/** Herald exports OTLP over HTTP (JSON); a gRPC endpoint would take none of it, so saying so is better than silence. */
const otlpProtocol = z.enum(['http/json', 'http/protobuf', 'grpc']).refine((value) => value !== 'grpc', {
  message:
    "Herald exports traces over OTLP/HTTP only: point the endpoint at the collector's HTTP port (4318) and set http/json or http/protobuf",
});

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(3000),
    HERALD_METRICS_PORT: port.optional(),
    HERALD_METRICS_PER_WEBHOOK: booleanFlag.default(false),
    HERALD_SDK_METRICS_ADDRESS: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port, such as 127.0.0.1:9465')
      .optional(),
    HERALD_PUBLIC_URL: z
      .url({
        protocol: /^https?$/,
        error: 'expected the http(s) URL clients reach Herald at, such as https://herald.example.com',
      })
      .refine((value) => {
        // Not a URL at all is the check above's to report.
        if (!URL.canParse(value)) return true;
        const url = new URL(value);
        return !url.search && !url.hash && !url.username && !url.password;
      }, 'expected a URL without a query, a #fragment or credentials, such as https://herald.example.com')
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HERALD_LOG_FORMAT: z.enum(['pretty', 'json', 'auto']).default('auto'),
    HERALD_STATE_DIR: z.string().min(1).default('.herald'),
    HERALD_CACHE_DIR: z.string().min(1).optional(),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'expected postgres://user:password@host:port/database' })
      .optional(),
    HERALD_POSTGRES_PORT: port.default(5433),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
    TEMPORAL_ADDRESS: z
      .string()
      .regex(/^[^\s:]+:\d+$/, 'expected host:port, such as localhost:7233')
      .optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_CLI_PATH: z.string().min(1).optional(),
    HERALD_TEMPORAL_PORT: port.default(7233),
    HERALD_TEMPORAL_UI_PORT: port.default(8233),
    HERALD_TASK_QUEUE: z.string().min(1).default('herald-deliveries'),
    HERALD_EAGER_START: booleanFlag.default(true),
    HERALD_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(250),
    HERALD_WORKFLOW_BUNDLE: z
      .string()
      .min(1)
      .refine(
        (file) => existsSync(file),
        'no such file: build it with `herald bundle-workflows <file>` (the Dockerfile does)',
      )
      .optional(),
    HERALD_ATTEMPT_TIMEOUT: duration.default(5_000),
    HERALD_RETRY_SCHEDULE: retrySchedule.default([0, 30_000, 300_000, 1_800_000, 7_200_000]),
    HERALD_ENCRYPTION_KEY: z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        for (const key of splitList(value ?? '')) {
          if (Buffer.from(key, 'base64').length !== 32) {
            ctx.addIssue({
              code: 'custom',
              message:
                'expected base64 of 32 random bytes (openssl rand -base64 32), several separated by commas, the current one first',
            });
            return;
          }
        }
      }),
    HERALD_RETRY_JITTER: z.coerce.number().min(0).max(0.5).default(0.1),
    HERALD_DISABLE_AFTER: duration.pipe(z.number().min(1_000, 'at least 1s')).default(5 * 86_400_000),
    HERALD_WARN_AFTER_SHARE: z.coerce.number().gt(0).lt(1).default(0.5),
    HERALD_PARKED_MAX: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
    HERALD_PARKED_MAX_AGE: duration.pipe(z.number().min(60_000, 'at least 1m')).default(14 * 86_400_000),
    HERALD_DRAIN_RATE: z.coerce.number().int().min(1).max(10_000).default(50),
    HERALD_SCHEDULE_HORIZON: duration
      .pipe(
        z
          .number()
          .min(60_000, 'at least 1m')
          .max(365 * 86_400_000, 'at most 365d'),
      )
      .default(30 * 86_400_000),
    HERALD_RECONCILE_INTERVAL: duration.pipe(z.number().min(100, 'at least 100ms')).default(60_000),
    HERALD_RECONCILE_AFTER: duration.default(120_000),
    HERALD_RETENTION: duration.pipe(z.number().min(3_600_000, 'at least 1h')).default(30 * 86_400_000),
    HERALD_PAYLOAD_RETENTION: duration.pipe(z.number().min(3_600_000, 'at least 1h')).optional(),
    HERALD_RETENTION_BATCH: z.coerce.number().int().min(10).max(10_000).default(1_000),
    HERALD_AUDIT_RETENTION: duration.pipe(z.number().min(86_400_000, 'at least 1d')).default(365 * 86_400_000),
    HERALD_ADAPTIVE_RATE: booleanFlag.default(true),
    HERALD_ADAPTIVE_START: z.coerce.number().min(0.01).max(10_000).default(10),
    HERALD_ADAPTIVE_FLOOR: z.coerce.number().min(0.01).max(10_000).default(0.5),
    HERALD_ADAPTIVE_STEP: z.coerce.number().gt(0).max(10_000).default(0.1),
    HERALD_ADAPTIVE_CEILING: z.coerce.number().min(0.01).max(10_000).default(100),
    HERALD_MAX_CONNECTIONS_PER_ORIGIN: z.coerce.number().int().min(1).max(10_000).default(64),
    HERALD_RESPONSE_EXCERPT_BYTES: z.coerce.number().int().min(0).max(131_072).default(8_192),
    HERALD_BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).max(10_485_760).default(262_144),
    HERALD_ADMIN_KEY: z
      .string()
      .regex(
        /^hk_(live|test)_[A-Za-z0-9_-]{16,200}$/,
        'expected an API key such as hk_live_ followed by at least 16 letters, digits, _ or -',
      )
      .optional(),
    HERALD_EVENT_TYPES_FILE: z.string().min(1).optional(),
    HERALD_ALLOWED_NETWORKS: z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        try {
          validateNetworks(splitList(value ?? ''));
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
    HERALD_ALLOW_HTTP: booleanFlag.optional(),
    // OpenTelemetry's own variables, as every OpenTelemetry SDK reads them: tracing is on when an endpoint is set.
    OTEL_SDK_DISABLED: booleanFlag.default(false),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
    OTEL_SERVICE_NAME: z.string().min(1).max(200).default('herald'),
  })
  .superRefine((e, ctx) => {
    // An adaptive rate starts between the floor and the ceiling: above the ceiling it would be released at once.
    if (e.HERALD_ADAPTIVE_FLOOR > e.HERALD_ADAPTIVE_START)
      ctx.addIssue({
        code: 'custom',
        path: ['HERALD_ADAPTIVE_FLOOR'],
        message: `must not be above HERALD_ADAPTIVE_START (${e.HERALD_ADAPTIVE_START}/s)`,
      });
    if (e.HERALD_ADAPTIVE_START >= e.HERALD_ADAPTIVE_CEILING)
      ctx.addIssue({
        code: 'custom',
        path: ['HERALD_ADAPTIVE_CEILING'],
        message: `must be above HERALD_ADAPTIVE_START (${e.HERALD_ADAPTIVE_START}/s): a rate above the ceiling is released`,
      });
    // The payload window drops payloads before their rows go; a longer one would never drop anything.
    if (e.HERALD_PAYLOAD_RETENTION !== undefined && e.HERALD_PAYLOAD_RETENTION > e.HERALD_RETENTION)
      ctx.addIssue({
        code: 'custom',
        path: ['HERALD_PAYLOAD_RETENTION'],
        message: `must not be longer than HERALD_RETENTION (${ms(e.HERALD_RETENTION, { long: true })}): payloads are dropped before the rows that hold them`,
      });
  });

export type Environment = Record<string, string | undefined>;

export interface Config {
  mode: 'development' | 'production' | 'test';
  /** A key with every permission in the default workspace, created on start if missing (scripts and CI set it). */
  adminKey: string | undefined;
  /** A JSON list of event types applied to the default workspace's catalog on start. */
  eventTypesFile: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** `auto`: readable at a terminal outside production, JSON lines otherwise. */
  logFormat: 'pretty' | 'json' | 'auto';
  /** Where the Temporal SDK serves its own Prometheus metrics (HERALD_SDK_METRICS_ADDRESS); undefined: off. */
  sdkMetricsAddress: string | undefined;
  /** Attempt metrics per webhook as well (HERALD_METRICS_PER_WEBHOOK): a series per webhook, so opt-in. */
  metricsPerWebhook: boolean;
  http: {
    host: string;
    port: number;
    /** Where a worker-only process serves /metrics (HERALD_METRICS_PORT, on HOST); undefined: nowhere. */
    metricsPort: number | undefined;
    bodyLimitBytes: number;
    /**
     * The URL clients reach the API at (HERALD_PUBLIC_URL), without a trailing slash: what the OpenAPI document
     * names as its server (under `/v1`) and what REST creations put in `Location`. Behind a proxy or in a container
     * the listen address would name no reachable server; without this setting, each request's `X-Forwarded-Proto`
     * and `X-Forwarded-Host` (first values) or `Host` say it.
     */
    publicUrl: string | undefined;
  };
  stateDir: string;
  cacheDir: string;
  postgres: { url: string | undefined; embeddedPort: number; poolSize: number };
  temporal: {
    address: string | undefined;
    namespace: string;
    cliPath: string | undefined;
    devServerPort: number;
    devServerUiPort: number;
    taskQueue: string;
    /** Start workflows eagerly when the API and the worker share a process. */
    eagerStart: boolean;
    /**
     * Workflows the worker keeps in memory between tasks. A fan-out finishes in its first task, and one waiting
     * on a retry is cheap to replay, so a small cache keeps memory flat however many retries wait.
     */
    maxCachedWorkflows: number;
    /**
     * A prebuilt workflow bundle. Without one the worker bundles the workflow code with webpack at start-up, which
     * takes seconds and leaves about 100 MiB of garbage the process holds for a while (measured here).
     */
    workflowBundlePath: string | undefined;
  };
  delivery: {
    attemptTimeoutMs: number;
    /** Delay before attempt n+1 is `retryScheduleMs[n]`; attempt 1 is always immediate. */
    retryScheduleMs: number[];
    /** Each retry's wait moves by up to ± this share, so deliveries that failed together do not return together. */
    retryJitter: number;
    responseExcerptBytes: number;
    /** Concurrent connections to one endpoint origin; more requests queue, so a wide fan-out never floods a receiver. */
    maxConnectionsPerOrigin: number;
    /** CIDR blocks webhooks may point at; `undefined` means any address. */
    allowedNetworks: string[] | undefined;
    allowHttp: boolean;
    /**
     * How a webhook without a configured limit is slowed down when its endpoint shows overload, and let go again;
     * undefined when HERALD_ADAPTIVE_RATE=false.
     */
    adaptive: AdaptiveSettings | undefined;
  };
  /**
   * Keys that seal webhook secrets and custom headers at rest (AES-256-GCM), the current one first; older ones only
   * open. Undefined when not configured: `npm start` then generates one into its state folder.
   */
  encryptionKeys: string[] | undefined;
  /** How Herald treats endpoints that keep failing, and deliveries waiting for a paused or disabled webhook. */
  endpoints: {
    /** Every delivery failing for this long disables the webhook (default 5 days). */
    disableAfterMs: number;
    /** Failing for this long earns one `webhook.failing` warning first. */
    warnAfterMs: number;
    /** Parked deliveries beyond this many per webhook, or older than this, are discarded. */
    parkedMaxCount: number;
    parkedMaxAgeMs: number;
    /** Parked deliveries sent per second when their webhook is resumed or enabled. */
    drainPerSecond: number;
  };
  /** What the cleanup deletes: events with their deliveries and attempts, and audit entries, past their windows. */
  retention: {
    /** Events older than this are deleted with their deliveries and attempts, unless a workspace sets its own. */
    eventsMs: number;
    /**
     * Events older than this lose their payload, and their attempts the response excerpts (what the endpoint
     * answered), while the rows themselves stay until `eventsMs`; at most `eventsMs`.
     */
    payloadMs: number;
    auditMs: number;
    /** Rows per statement: each batch holds its locks only for one short statement. */
    batchSize: number;
  };
  /**
   * OpenTelemetry tracing, when an OTLP endpoint is configured; undefined (the default) leaves it off, and then
   * nothing of OpenTelemetry is loaded.
   */
  tracing: TracingSettings | undefined;
  /** Scheduled sends: how far ahead an event may be published to be delivered (`deliverAt`). */
  schedule: { horizonMs: number };
  /** The safety net that restarts pending deliveries no workflow is working on. */
  reconciler: {
    intervalMs: number;
    /** How long past its due time a pending delivery must be before the reconciler checks its workflow. */
    graceMs: number;
  };
}

export interface TracingSettings {
  /** Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  tracesUrl: string;
  /** `service.name` on every span (OTEL_SERVICE_NAME, default `herald`). */
  serviceName: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value throws a ConfigError that names the variable. */
export function loadConfig(env: Environment = process.env): Config {
  // An empty variable (`HERALD_ADMIN_KEY=` in a compose file) means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `  ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(
      `Invalid configuration:\n${lines.join('\n')}\nFix these environment variables and start again.`,
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  return {
    mode: e.NODE_ENV,
    adminKey: e.HERALD_ADMIN_KEY,
    eventTypesFile: e.HERALD_EVENT_TYPES_FILE ? path.resolve(e.HERALD_EVENT_TYPES_FILE) : undefined,
    logLevel: e.LOG_LEVEL,
    logFormat: e.HERALD_LOG_FORMAT,
    sdkMetricsAddress: e.HERALD_SDK_METRICS_ADDRESS,
    metricsPerWebhook: e.HERALD_METRICS_PER_WEBHOOK,
    http: {
      host: e.HOST,
      port: e.PORT,
      metricsPort: e.HERALD_METRICS_PORT,
      bodyLimitBytes: e.HERALD_BODY_LIMIT_BYTES,
      publicUrl: e.HERALD_PUBLIC_URL,
    },
    stateDir: path.resolve(e.HERALD_STATE_DIR),
    cacheDir: path.resolve(
      e.HERALD_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'herald'),
    ),
    postgres: { url: e.DATABASE_URL, embeddedPort: e.HERALD_POSTGRES_PORT, poolSize: e.DATABASE_POOL_SIZE },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      cliPath: e.TEMPORAL_CLI_PATH,
      devServerPort: e.HERALD_TEMPORAL_PORT,
      devServerUiPort: e.HERALD_TEMPORAL_UI_PORT,
      taskQueue: e.HERALD_TASK_QUEUE,
      eagerStart: e.HERALD_EAGER_START,
      maxCachedWorkflows: e.HERALD_MAX_CACHED_WORKFLOWS,
      workflowBundlePath: e.HERALD_WORKFLOW_BUNDLE,
    },
    delivery: {
      attemptTimeoutMs: e.HERALD_ATTEMPT_TIMEOUT,
      retryScheduleMs: e.HERALD_RETRY_SCHEDULE,
      retryJitter: e.HERALD_RETRY_JITTER,
      responseExcerptBytes: e.HERALD_RESPONSE_EXCERPT_BYTES,
      maxConnectionsPerOrigin: e.HERALD_MAX_CONNECTIONS_PER_ORIGIN,
      allowedNetworks: parseNetworks(e.HERALD_ALLOWED_NETWORKS, production),
      allowHttp: e.HERALD_ALLOW_HTTP ?? !production,
      adaptive: e.HERALD_ADAPTIVE_RATE
        ? {
            startPerSecond: e.HERALD_ADAPTIVE_START,
            floorPerSecond: e.HERALD_ADAPTIVE_FLOOR,
            stepPerSecond: e.HERALD_ADAPTIVE_STEP,
            ceilingPerSecond: e.HERALD_ADAPTIVE_CEILING,
            decreaseWindowMs: ADAPTIVE_DECREASE_WINDOW_MS,
          }
        : undefined,
    },
    schedule: { horizonMs: e.HERALD_SCHEDULE_HORIZON },
    reconciler: { intervalMs: e.HERALD_RECONCILE_INTERVAL, graceMs: e.HERALD_RECONCILE_AFTER },
    retention: {
      eventsMs: e.HERALD_RETENTION,
      payloadMs: e.HERALD_PAYLOAD_RETENTION ?? e.HERALD_RETENTION,
      auditMs: e.HERALD_AUDIT_RETENTION,
      batchSize: e.HERALD_RETENTION_BATCH,
    },
    endpoints: {
      disableAfterMs: e.HERALD_DISABLE_AFTER,
      warnAfterMs: Math.round(e.HERALD_DISABLE_AFTER * e.HERALD_WARN_AFTER_SHARE),
      parkedMaxCount: e.HERALD_PARKED_MAX,
      parkedMaxAgeMs: e.HERALD_PARKED_MAX_AGE,
      drainPerSecond: e.HERALD_DRAIN_RATE,
    },
    encryptionKeys: e.HERALD_ENCRYPTION_KEY ? splitList(e.HERALD_ENCRYPTION_KEY) : undefined,
    tracing: tracingSettings(e),
  };
}

/** The traces URL per the OTLP exporter specification: the signal's own endpoint as is, or the base one's /v1/traces. */
function tracingSettings(e: z.infer<typeof envSchema>): TracingSettings | undefined {
  if (e.OTEL_SDK_DISABLED) return undefined;
  const tracesUrl =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  return tracesUrl ? { tracesUrl, serviceName: e.OTEL_SERVICE_NAME } : undefined;
}

/** Production defaults to public addresses only (no SSRF into the private network); development allows any. */
function parseNetworks(value: string | undefined, production: boolean): string[] | undefined {
  if (value === undefined || value.trim() === '') return production ? ['public'] : undefined;
  if (value.trim() === '*') return undefined;
  return splitList(value);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry && entry !== '*');
}

/** Where the client commands (`herald trigger`, `herald test`) reach Herald, and as whom. */
export interface ClientSettings {
  url: string;
  apiKey: string | undefined;
}

const clientSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'expected the URL Herald answers at, such as http://127.0.0.1:3000' }),
  apiKey: z.string().min(1).optional(),
});

/**
 * Where `herald login` keeps the URL and key the client commands use by default: `$XDG_CONFIG_HOME/herald` or
 * `~/.config/herald`, file mode 0600.
 */
export function clientProfilePath(env: Environment = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'herald', 'profile.json');
}

const profileSchema = z.object({ url: z.string().optional(), apiKey: z.string().optional() });

function readProfile(env: Environment): z.infer<typeof profileSchema> {
  const file = clientProfilePath(env);
  if (!existsSync(file)) return {};
  const parsed = profileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new ConfigError(`${file} is not a profile herald login wrote; run herald login again`);
  return parsed.data;
}

/** What the environment says about colour in the client commands' output. */
export interface ColourEnvironment {
  /** `NO_COLOR`: present and not empty turns colour off (no-color.org). */
  noColor: boolean;
  /** `FORCE_COLOR`: turns colour on even in a pipe, unless `0` or `false`; undefined when not set. */
  forceColor: boolean | undefined;
  /** `TERM=dumb`: a terminal that shows escape codes as text. */
  dumbTerminal: boolean;
}

export function colourEnvironment(env: Environment = process.env): ColourEnvironment {
  return {
    noColor: Boolean(env.NO_COLOR),
    forceColor: env.FORCE_COLOR ? !['0', 'false'].includes(env.FORCE_COLOR.toLowerCase()) : undefined,
    dumbTerminal: env.TERM === 'dumb',
  };
}

/** Flags first, then HERALD_URL and HERALD_API_KEY, then the `herald login` profile, then `npm start`'s address. */
export function loadClientSettings(
  flags: { url?: string | undefined; apiKey?: string | undefined },
  env: Environment = process.env,
): ClientSettings {
  const profile = readProfile(env);
  const parsed = clientSchema.safeParse({
    url: flags.url ?? (env.HERALD_URL || profile.url || `http://127.0.0.1:${env.PORT || 3000}`),
    apiKey: flags.apiKey ?? (env.HERALD_API_KEY || profile.apiKey || undefined),
  });
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`).join('; '));
  return { url: parsed.data.url, apiKey: parsed.data.apiKey };
}
