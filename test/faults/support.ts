import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { Environment } from '../../server/config.js';
import { createDatabase, type Db } from '../../server/db/database.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { freePort } from '../../server/dev-stack/ports.js';
import { allSearchAttributes } from '../../workflows/shared.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../../server/dev-stack/embedded-postgres.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../server/dev-stack/temporal-dev-server.js';
import { startHerald, type HeraldProcess } from '../support/herald-process.js';
import { waitFor } from '../support/wait-for.js';

export const ADMIN_KEY = 'hk_live_fault_tests_admin_key_0001';

/** A folder the embedded Postgres (run as the `postgres` user when the tests run as root) can enter. */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(dir, 0o755);
  return dir;
}

/** A Postgres this test owns and may kill: same data and port on every restart. */
export async function killablePostgres(
  dir: string,
): Promise<{ current(): RunningPostgres; url: string; restart(): Promise<void>; stop(): Promise<void> }> {
  const port = await freePort();
  const start = () =>
    startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port, durable: true, log: () => undefined });
  let postgres = await start();
  await postgres.createDatabase('herald');
  const db = openDatabase(postgres.urlFor('herald'));
  await migrateToLatest(db, () => undefined).finally(() => db.destroy());
  return {
    current: () => postgres,
    url: postgres.urlFor('herald'),
    restart: async () => {
      postgres = await start();
    },
    stop: () => postgres.stop(),
  };
}

/** A Temporal dev server this test owns and may kill: same port and database file on every restart. */
export async function killableTemporal(
  dir: string,
): Promise<{ current(): TemporalDevServer; address: string; restart(): Promise<void>; stop(): Promise<void> }> {
  const port = await freePort();
  const start = () =>
    startTemporalDevServer({
      cli: { path: inject('faults').temporalCliPath, source: 'fault tests' },
      port,
      uiPort: undefined,
      dbFilename: path.join(dir, 'temporal.sqlite'),
      namespace: 'default',
      searchAttributes: allSearchAttributes,
      dynamicConfig: { 'history.timerProcessorMaxTimeShift': '1ms' },
      workDir: dir,
    });
  let temporal = await start();
  return {
    current: () => temporal,
    address: temporal.address,
    restart: async () => {
      temporal = await start();
    },
    stop: () => temporal.stop(),
  };
}

/** A server the test kills the way a crash would (every process of it at once) and then starts again. */
export async function killAndRestart(server: {
  current(): { process: { pid: number } };
  restart(): Promise<void>;
}): Promise<void> {
  // Postgres's backends die with their postmaster, as under an orchestrator's kill.
  const pids = withChildren(server.current().process.pid);
  for (const pid of pids) kill(pid);
  await waitUntilGone(pids);
  await server.restart();
}

/**
 * `herald start` in lives the test ends with SIGKILL: each kill is followed by a new start. Any exit the test did
 * not cause (Herald giving up because Postgres or Temporal went away) is kept, with its output, for the assertions.
 */
export async function killableHerald(env: Environment) {
  const unexpected: string[] = [];
  const killed = new WeakSet<HeraldProcess>();
  const start = async () => {
    const herald = await startHerald('start', env);
    void herald.exited.then((code) => {
      if (!killed.has(herald)) unexpected.push(`herald ${herald.pid} exited on its own (${code}):\n${herald.output()}`);
    });
    return herald;
  };
  let herald = await start();
  return {
    current: () => herald,
    url: herald.url!,
    /** Exits nobody asked for, each with the process's output. */
    unexpectedExits: () => unexpected,
    async killAndRestart(): Promise<void> {
      killed.add(herald);
      kill(herald.pid);
      await herald.exited;
      herald = await start();
    },
    /** SIGTERM, as a supervisor stops it; resolves with the exit code. */
    async stop(): Promise<number | string> {
      killed.add(herald);
      if (!herald.hasExited()) herald.process.kill('SIGTERM');
      return herald.exited;
    },
  };
}

/**
 * A small deterministic generator, so a failing run can be repeated: the seed is HERALD_FAULT_SEED or drawn from
 * the clock, and printed under `label`.
 */
export function seeded(label: string): () => number {
  const seed = Number(process.env.HERALD_FAULT_SEED ?? Date.now() % 100_000);
  process.stderr.write(`[${label}] seed ${seed}\n`);
  let state = seed || 1;
  return () => {
    state = (state * 16_807) % 2_147_483_647;
    return state / 2_147_483_647;
  };
}

/** The most of `times` (ms) within any window of `windowMs`: every window that starts at one of them. */
export function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

/** Settings of every Herald process in the fault tests: loopback receivers only, short schedules, a known key. */
export function faultEnvironment(overrides: Environment): Environment {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    HERALD_ADMIN_KEY: ADMIN_KEY,
    HERALD_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128',
    HERALD_ALLOW_HTTP: 'true',
    HERALD_WORKFLOW_BUNDLE: inject('faults').workflowBundlePath,
    HERALD_RETRY_SCHEDULE: '0,200ms,500ms,1s,2s',
    HERALD_ATTEMPT_TIMEOUT: '2s',
    HERALD_RECONCILE_INTERVAL: '2s',
    HERALD_RECONCILE_AFTER: '10s',
    HERALD_RETRY_JITTER: '0',
    HERALD_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    ...overrides,
  };
}

/** Pids of live processes whose command line contains `text`: what a test left behind, if anything. */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const state = /State:\s+(\S)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (commandLine.includes(text) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** A process and its children (Postgres runs each backend as a child in a process group of its own). */
export function withChildren(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (Number(parent) === pid) children.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return [pid, ...children];
}

export function kill(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Until the processes are gone for good: reaped, not merely dead (a zombie still counts as alive to Postgres). */
export async function waitUntilGone(pids: number[], timeoutMs = 30_000): Promise<void> {
  await waitFor(() => pids.every((pid) => !readable(`/proc/${pid}/status`)), {
    timeoutMs,
    what: `processes ${pids.join(', ')} to exit`,
  });
}

function readable(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

export interface PublishResult {
  status: number;
  retryAfter: string | null;
  body: string;
}

/** One publish over REST, as a client would send it; network errors come back as status 0. */
export async function publish(
  url: string,
  event: { id: string; type: string; data: unknown; deliverAt?: string },
): Promise<PublishResult> {
  return post(`${url}/v1/events`, event);
}

/** One cancel of a scheduled event over REST; network errors come back as status 0. */
export async function cancelEvent(url: string, id: string): Promise<PublishResult> {
  return post(`${url}/v1/events/${encodeURIComponent(id)}/cancel`);
}

async function post(url: string, body?: unknown): Promise<PublishResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'x-api-key': ADMIN_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
  } catch (error) {
    return { status: 0, retryAfter: null, body: (error as Error).message };
  }
}

/**
 * Repeats a call, as a client must, while Herald cannot answer it (down: status 0; a dependency down: 503), and
 * returns the first real answer. Every try is counted in `statuses`.
 */
export async function untilAnswered(
  call: () => Promise<PublishResult>,
  options: { what: string; statuses?: Map<number, number>; timeoutMs?: number },
): Promise<PublishResult> {
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  for (;;) {
    const result = await call();
    options.statuses?.set(result.status, (options.statuses.get(result.status) ?? 0) + 1);
    if (result.status !== 0 && result.status !== 503) return result;
    if (Date.now() > deadline) throw new Error(`${options.what}: still unanswered (${result.status} ${result.body})`);
    // A real client backs off before it tries again.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Clients that publish a steady stream of events, each retried with the same id until Herald acknowledges it,
 * as the API asks its callers to do. `target()` says where Herald is right now (it moves between restarts).
 */
export function startPublishers(args: {
  lanes: number;
  prefix: string;
  type: string;
  target: () => string | undefined;
}) {
  const acknowledged = new Set<string>();
  const statuses = new Map<number, number>();
  const unavailable: PublishResult[] = [];
  let stopping = false;
  const lane = async (laneIndex: number) => {
    for (let n = 0; !stopping; n++) {
      const id = `${args.prefix}_${laneIndex}_${n}`;
      for (;;) {
        const url = args.target();
        if (!url) {
          // Herald is down between a kill and its restart; a real client would back off too.
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        const result = await publish(url, { id, type: args.type, data: { lane: laneIndex, n } });
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        if (result.status === 200) {
          acknowledged.add(id);
          break;
        }
        if (result.status === 503) unavailable.push(result);
        if (result.status >= 400 && result.status !== 503)
          throw new Error(`publish of ${id} failed for good: ${result.status} ${result.body}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const lanes = Array.from({ length: args.lanes }, (_, i) => lane(i));
  return {
    acknowledged,
    statuses,
    unavailable,
    /** Stops starting new events; resolves once every event begun has been acknowledged. */
    async finish(): Promise<void> {
      stopping = true;
      await Promise.all(lanes);
    },
  };
}

/** Direct database access to count what was recorded. */
export function openDatabase(url: string): Db {
  return createDatabase({ url, poolSize: 2, applicationName: 'herald-fault-assertions' });
}

/** Every delivery of the run settled, and what the receiver got per event, checked against the attempt records. */
export async function settledDeliveries(db: Db, prefix: string, timeoutMs: number) {
  return waitFor(
    async () => {
      const rows = await db
        .selectFrom('deliveries')
        .select(['id', 'event_id', 'status', 'attempt_count'])
        .where('event_id', 'like', `${prefix}_%`)
        .execute();
      return rows.every((row) => row.status !== 'pending') ? rows : undefined;
    },
    { timeoutMs, intervalMs: 500, what: 'every delivery of the run to settle' },
  );
}
