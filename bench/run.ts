import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createHeraldClient } from '../client/index.js';
import { createDatabase } from '../server/db/database.js';
import { DEFAULT_WORKSPACE_ID } from '../server/db/tables/workspaces.table.js';
import { freePort } from '../server/dev-stack/ports.js';
import { measureFloor, type FloorResult } from './baselines/floor.js';
import { measureLimit, type LimitResult } from './baselines/limit.js';
import type { BenchContext, BenchOptions } from './context.js';
import { startHeraldProcess } from './herald-process.js';
import { startBenchInfrastructure } from './infrastructure.js';
import { startBenchReceiver } from './receiver.js';
import { machine, renderTable, writeResults, type Row } from './report.js';
import { total } from './server-metrics.js';
import { fanOut } from './workloads/fan-out.js';
import { flakyReceiver } from './workloads/flaky-receiver.js';
import { growth } from './workloads/growth.js';
import { latency } from './workloads/latency.js';
import { retention } from './workloads/retention.js';
import { throughput } from './workloads/throughput.js';
import { wideFanOut } from './workloads/wide.js';

const usage = `npm run bench -- [options]
  --workloads W1,W1b,W2,W3,W4,W5,R,O,wide which to run (default: all; W1b is W1 through publishBatch, R retention,
                          O ordering keys against the same traffic unordered)
  --events N              W1/W5 events (default 5000)        --concurrency C      publishers, L loops, F starters (50)
  --fanout-events E       W2 events (100)                    --fanout-webhooks W  W2 webhooks (100)
  --latency-seconds S     W3 duration (30)                   --latency-rate R     W3 rate if W1 is not run
  --flaky-events N        W4 events (2000)                   --growth-rows N      W5 old deliveries (100000)
  --waiting N             W5 deliveries waiting on a retry (5000)
  --wide N                webhooks for the wide fan-out (10000)
  --ordered-events N      O events (2000), over --ordering-keys K keys (50); and N/5 events on a single key
  --retention-cycles N    R's plateau: cleanup cycles under a steady load (8)
  --retention-cycle-seconds S  their length (15; the window is two cycles)
  --retention-rate R      events/s published during them (50)
  --floor-fanout-workflows N  F100 workflows of 100 activities (50)
  --extra-workers N       run N more \`herald worker\` processes on the same task queue (0)
  --set KEY=VALUE         pass a setting to the Herald processes, e.g. --set HERALD_EAGER_START=false (repeatable)
Against an existing deployment instead of the embedded Postgres and dev server:
  --temporal-address H:P  a Temporal cluster (its namespace must exist and have Herald's search attributes)
  --namespace NS          its namespace (default)
  --temporal-metrics-url U  its frontend's Prometheus endpoint, to count requests per delivery (optional)
  --database-url URL      a Postgres database the benchmark may migrate and fill (it is not emptied)`;

const { values } = parseArgs({
  options: {
    workloads: { type: 'string', default: 'W1,W1b,W2,W3,W4,W5,R,O,wide' },
    'ordered-events': { type: 'string', default: '2000' },
    'ordering-keys': { type: 'string', default: '50' },
    events: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '50' },
    'fanout-events': { type: 'string', default: '100' },
    'fanout-webhooks': { type: 'string', default: '100' },
    'latency-seconds': { type: 'string', default: '30' },
    'latency-rate': { type: 'string' },
    'flaky-events': { type: 'string', default: '2000' },
    'growth-rows': { type: 'string', default: '100000' },
    waiting: { type: 'string', default: '5000' },
    wide: { type: 'string', default: '10000' },
    'floor-fanout-workflows': { type: 'string', default: '50' },
    'retention-cycles': { type: 'string', default: '8' },
    'retention-cycle-seconds': { type: 'string', default: '15' },
    'retention-rate': { type: 'string', default: '50' },
    out: { type: 'string', default: 'bench/results' },
    'extra-workers': { type: 'string', default: '0' },
    set: { type: 'string', multiple: true, default: [] },
    'temporal-address': { type: 'string' },
    namespace: { type: 'string' },
    'temporal-metrics-url': { type: 'string' },
    'database-url': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const options: BenchOptions = {
  events: Number(values.events),
  concurrency: Number(values.concurrency),
  fanOutEvents: Number(values['fanout-events']),
  fanOutWebhooks: Number(values['fanout-webhooks']),
  latencySeconds: Number(values['latency-seconds']),
  flakyEvents: Number(values['flaky-events']),
  growthRows: Number(values['growth-rows']),
  waiting: Number(values.waiting),
  wide: Number(values.wide),
  fanOutFloorWorkflows: Number(values['floor-fanout-workflows']),
  retentionCycles: Number(values['retention-cycles']),
  retentionCycleSeconds: Number(values['retention-cycle-seconds']),
  retentionRate: Number(values['retention-rate']),
};
const selected = new Set(values.workloads.split(',').map((w) => w.trim()));
const started = Date.now();
const progress = (message: string) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

const infrastructure = await startBenchInfrastructure(progress, {
  temporalAddress: values['temporal-address'],
  namespace: values.namespace,
  temporalMetricsUrl: values['temporal-metrics-url'],
  databaseUrl: values['database-url'],
});
const receiver = await startBenchReceiver();
const adminKey = `hk_live_bench_${randomBytes(16).toString('hex')}`;
const heraldEnv = {
  HERALD_ADMIN_KEY: adminKey,
  DATABASE_URL: infrastructure.databaseUrl,
  TEMPORAL_ADDRESS: infrastructure.temporalAddress,
  TEMPORAL_NAMESPACE: infrastructure.namespace,
  // As in production: without it every Herald process would run webpack at start and carry its garbage for a while.
  HERALD_WORKFLOW_BUNDLE: infrastructure.workflowBundlePath,
  // W4 retries after 10 ms; W5's parked deliveries fail twice, then wait in Temporal longer than the whole run
  // lasts, so that no parked retry fires during a later measurement (W5 itself, F in the grown state, wide).
  HERALD_RETRY_SCHEDULE: '0,10ms,6h,6h,6h',
  HERALD_ALLOWED_NETWORKS: '127.0.0.1/32',
  // R times the cleanup itself, in this process: Herald's own sweep must leave its old rows alone.
  HERALD_RETENTION: '3650d',
  HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  ...Object.fromEntries(
    values.set.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  ),
};
const heraldPort = String(await freePort());
const herald = await startHeraldProcess({ ...heraldEnv, PORT: heraldPort });
const extraWorkers = await Promise.all(
  Array.from({ length: Number(values['extra-workers']) }, () => startHeraldProcess(heraldEnv, 'worker')),
);
const db = createDatabase({ url: infrastructure.databaseUrl, poolSize: 4, applicationName: 'herald-bench' });
const temporal = new Client({
  connection: await Connection.connect({ address: infrastructure.temporalAddress }),
  namespace: infrastructure.namespace,
});
const ctx: BenchContext = {
  options,
  infrastructure,
  herald,
  client: createHeraldClient({ url: herald.url, apiKey: adminKey }),
  db,
  temporal,
  receiver,
  scope: { workspaceId: DEFAULT_WORKSPACE_ID, mode: 'live' },
  progress,
  restartHerald: async () => {
    await ctx.herald.stop();
    ctx.herald = await startHeraldProcess({ ...heraldEnv, PORT: heraldPort });
  },
};
const facts = {
  ...machine(infrastructure.temporalVersion),
  heraldProcesses: 1 + extraWorkers.length,
  settings: values.set,
};
progress(
  `${facts.cores} cores (${facts.cpu}), ${facts.memoryGiB} GiB, Node ${facts.node}, ${facts.temporal}, commit ${facts.commit}`,
);

const rows: Row[] = [];
const details: Record<string, unknown> = {};
const failures: string[] = [];
/** Runs one workload; a failure (wrong results, or stuck) is recorded and reported, and the run goes on. */
async function attempt(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const reason = (error as Error).message;
    failures.push(`${name}: ${reason}`);
    rows.push({ workload: name, figure: `FAILED: ${reason.split('\n')[0]!.slice(0, 80)}`, herald: Number.NaN });
    progress(`${name} FAILED: ${reason}`);
  }
}
const baselines: { L50?: LimitResult; L100?: LimitResult; F?: FloorResult; F100?: FloorResult } = {};
const needsF = ['W1', 'W1b', 'W4', 'W5', 'R', 'O'].some((w) => selected.has(w));
const needsF100 = ['W2', 'wide'].some((w) => selected.has(w));

try {
  if (needsF) {
    progress(`F: ${options.events} no-op workflows with one no-op activity…`);
    baselines.F = await measureFloor({
      client: temporal,
      address: infrastructure.temporalAddress,
      namespace: infrastructure.namespace,
      metricsUrl: infrastructure.temporalMetricsUrl,
      workflows: options.events,
      activitiesPerWorkflow: 1,
      concurrency: options.concurrency,
      progress,
    });
  }
  if (needsF100) {
    progress(`F100: ${options.fanOutFloorWorkflows} no-op workflows with 100 no-op activities…`);
    baselines.F100 = await measureFloor({
      client: temporal,
      address: infrastructure.temporalAddress,
      namespace: infrastructure.namespace,
      metricsUrl: infrastructure.temporalMetricsUrl,
      workflows: options.fanOutFloorWorkflows,
      activitiesPerWorkflow: 100,
      concurrency: options.concurrency,
      progress,
    });
  }
  progress(`L: the bare loop at concurrency ${options.concurrency} and 100…`);
  baselines.L50 = await measureLimit({
    databaseUrl: infrastructure.databaseUrl,
    receiverUrl: receiver.url,
    deliveries: Math.max(options.events, 5_000),
    concurrency: options.concurrency,
  });
  baselines.L100 = await measureLimit({
    databaseUrl: infrastructure.databaseUrl,
    receiverUrl: receiver.url,
    deliveries: Math.max(options.events, 10_000),
    concurrency: 100,
  });
  details.baselines = baselines;
  const L = baselines.L50.rate;
  const L100 = baselines.L100.rate;

  let w1Rate: number | undefined;
  let w1Rss: number | undefined;
  if (selected.has('W1')) {
    await attempt('W1', async () => {
      progress(`W1: ${options.events} events × 1 webhook…`);
      const w1 = await throughput(ctx, { label: 'W1 throughput', type: 'bench.w1', events: options.events });
      details.W1 = w1;
      w1Rate = w1.rate;
      w1Rss = w1.peakRss;
      rows.push({
        workload: 'W1 throughput',
        figure: 'deliveries/s',
        herald: w1.rate,
        limit: L,
        floor: baselines.F?.rate,
      });
      rows.push({
        workload: 'W1 throughput',
        figure: 'Temporal requests per delivery',
        herald: total(w1.serverRequestsPerDelivery),
        floor: baselines.F?.serverRequestsPerWorkflow,
      });
      rows.push({ workload: 'W1 throughput', figure: 'history events per event', herald: w1.historyEventsPerWorkflow });
    });
  }

  if (selected.has('W1b')) {
    await attempt('W1b', async () => {
      progress(`W1b: ${options.events} events × 1 webhook, published 100 per events.publishBatch call…`);
      const w1b = await throughput(ctx, {
        label: 'W1b batch publish',
        type: 'bench.w1b',
        events: options.events,
        batchSize: 100,
      });
      details.W1b = w1b;
      rows.push({
        workload: 'W1b throughput, publishBatch',
        figure: 'deliveries/s',
        herald: w1b.rate,
        limit: L,
        floor: baselines.F?.rate,
      });
    });
  }

  if (selected.has('O')) {
    await attempt('O', async () => {
      const events = Number(values['ordered-events']);
      const keys = Number(values['ordering-keys']);
      const single = Math.max(1, Math.floor(events / 5));
      progress(
        `O: ${events} events × 1 webhook, unordered, then over ${keys} ordering keys, then ${single} on one key…`,
      );
      const unordered = await throughput(ctx, { label: 'O unordered', type: 'bench.o.unordered', events });
      const ordered = await throughput(ctx, {
        label: `O ordered, ${keys} keys`,
        type: 'bench.o.keys',
        events,
        orderingKeys: keys,
      });
      const oneKey = await throughput(ctx, {
        label: 'O ordered, 1 key',
        type: 'bench.o.one',
        events: single,
        orderingKeys: 1,
      });
      details.O = { unordered, ordered, oneKey };
      rows.push({
        workload: 'O unordered',
        figure: 'deliveries/s',
        herald: unordered.rate,
        limit: L,
        floor: baselines.F?.rate,
      });
      rows.push({
        workload: `O ordered, ${keys} keys`,
        figure: 'deliveries/s',
        herald: ordered.rate,
        limit: L,
        floor: baselines.F?.rate,
      });
      rows.push({
        workload: `O ordered, ${keys} keys`,
        figure: 'ratio to unordered',
        herald: ordered.rate / unordered.rate,
      });
      rows.push({ workload: 'O ordered, 1 key', figure: 'deliveries/s (one at a time)', herald: oneKey.rate });
      rows.push({
        workload: 'O ordered, 1 key',
        figure: 'Temporal requests per delivery',
        herald: total(oneKey.serverRequestsPerDelivery),
      });
    });
  }

  if (selected.has('W2')) {
    await attempt('W2', async () => {
      progress(`W2: ${options.fanOutEvents} events × ${options.fanOutWebhooks} webhooks…`);
      const w2 = await fanOut(ctx);
      details.W2 = w2;
      rows.push({
        workload: `W2 fan-out ${options.fanOutEvents}×${options.fanOutWebhooks}`,
        figure: 'deliveries/s (L at 100, F100 activities/s)',
        herald: w2.rate,
        limit: L100,
        floor: baselines.F100?.rate,
      });
      rows.push({
        workload: 'W2 fan-out',
        figure: `s until all ${w2.deliveries.toLocaleString('en-US')} recorded`,
        herald: w2.seconds,
      });
    });
  }

  if (selected.has('W3')) {
    await attempt('W3', async () => {
      const rate = w1Rate ? w1Rate / 2 : Number(values['latency-rate'] ?? 10);
      progress(`W3: steady ${rate.toFixed(1)} events/s for ${options.latencySeconds} s…`);
      const w3 = await latency(ctx, rate);
      details.W3 = w3;
      rows.push({ workload: `W3 latency at ${rate.toFixed(1)}/s`, figure: 'p50 ms', herald: w3.p50 });
      rows.push({ workload: `W3 latency at ${rate.toFixed(1)}/s`, figure: 'p95 ms', herald: w3.p95 });
      rows.push({ workload: `W3 latency at ${rate.toFixed(1)}/s`, figure: 'p99 ms', herald: w3.p99 });
    });
  }

  if (selected.has('W4')) {
    await attempt('W4', async () => {
      progress(`W4: ${options.flakyEvents} events, 30 % of first attempts fail…`);
      const w4 = await flakyReceiver(ctx);
      details.W4 = w4;
      rows.push({
        workload: 'W4 flaky receiver',
        figure: `deliveries/s (${w4.retried} retried, 0 lost)`,
        herald: w4.rate,
        limit: L,
        floor: baselines.F?.rate,
      });
    });
  }

  if (selected.has('R')) {
    await attempt('R', async () => {
      progress(`R: retention of ${options.growthRows.toLocaleString()} old deliveries, alone and beside W1…`);
      const r = await retention(ctx, options.growthRows);
      details.R = r;
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
      rows.push({
        workload: 'R retention',
        figure: 'old deliveries deleted/s (with event and attempt)',
        herald: r.deletedPerSecond,
      });
      rows.push({
        workload: 'R W1 beside a cleanup',
        figure: `deliveries/s (the cleanup deleted ${r.cleanupBesideW1.deliveries.toLocaleString('en-US')} in ${r.cleanupBesideW1.seconds.toFixed(1)} s)`,
        herald: r.w1WithCleanup.rate,
        limit: L,
        floor: baselines.F?.rate,
      });
      if (w1Rate)
        rows.push({
          workload: 'R W1 beside a cleanup',
          figure: 'throughput vs W1 alone',
          herald: r.w1WithCleanup.rate / w1Rate,
        });
      rows.push({
        workload: 'R table size',
        figure: `MiB: ${[r.bytes.before, r.bytes.full, r.bytes.deleted, r.bytes.vacuumed, r.bytes.refilled, r.bytes.refilledDeleted].map(mib).join(' → ')} (empty, full, deleted, vacuumed, refilled, deleted+vacuumed)`,
        herald: r.bytes.refilledDeleted / 2 ** 20,
      });
      const cycles = r.plateau.cycles;
      rows.push({
        workload: `R plateau, ${r.plateau.rate}/s for ${r.plateau.cycleSeconds} s a cycle, window 2 cycles`,
        figure: `MiB after each cycle's cleanup + VACUUM: ${cycles.map((c) => (c.bytesAfterVacuum / 2 ** 20).toFixed(1)).join(' → ')}; last ÷ third`,
        herald: cycles.at(-1)!.bytesAfterVacuum / cycles[Math.min(2, cycles.length - 1)]!.bytesAfterVacuum,
      });
    });
  }

  if (selected.has('W5')) {
    await attempt('W5', async () => {
      progress(`W5: ${options.growthRows} old deliveries, ${options.waiting} waiting retries, then W1 again…`);
      const w5 = await growth(ctx);
      details.W5 = w5;
      // The floor again, in the same grown state (open workflows and timers on the server, bigger tables), so the
      // ratio separates what growth costs Temporal from what it costs Herald.
      progress(`F again, with the grown state in place…`);
      const grownFloor = await measureFloor({
        client: temporal,
        address: infrastructure.temporalAddress,
        namespace: infrastructure.namespace,
        metricsUrl: infrastructure.temporalMetricsUrl,
        workflows: options.events,
        activitiesPerWorkflow: 1,
        concurrency: options.concurrency,
        progress,
      });
      details.F_grown = grownFloor;
      rows.push({
        workload: 'W5 growth',
        figure: 'deliveries/s (F measured again in the grown state)',
        herald: w5.rate,
        limit: L,
        floor: grownFloor.rate,
      });
      if (w1Rate) rows.push({ workload: 'W5 growth', figure: 'throughput vs W1 (empty)', herald: w5.rate / w1Rate });
      if (w1Rate && baselines.F) {
        rows.push({
          workload: 'W5 growth',
          figure: 'Herald/F grown vs Herald/F empty',
          herald: w5.rate / grownFloor.rate / (w1Rate / baselines.F.rate),
        });
      }
      rows.push({
        workload: 'W5 growth',
        figure: 'peak RSS MiB (process restarted after parking, as W1 ran fresh)',
        herald: w5.peakRss / 2 ** 20,
      });
      if (w1Rss) rows.push({ workload: 'W5 growth', figure: 'peak RSS vs W1 (empty)', herald: w5.peakRss / w1Rss });
      rows.push({
        workload: 'W5 growth',
        figure: `RSS MiB of the process that parked ${w5.waiting} retries, before restart`,
        herald: w5.rssAfterParking / 2 ** 20,
      });
      rows.push({ workload: 'W5 growth', figure: 'Postgres bytes per delivery', herald: w5.bytesPerDelivery });
      rows.push({
        workload: 'W5 growth',
        figure: 'delivery-log queries index scans only (1 = yes)',
        herald: w5.indexScansOnly ? 1 : 0,
      });
      rows.push({
        workload: 'W5 growth',
        figure: 'delivery-log queries: most rows read and dropped',
        herald: w5.worstRowsFiltered,
      });
    });
  }

  if (selected.has('wide')) {
    await attempt('wide', async () => {
      progress(`wide: one event to ${options.wide} webhooks…`);
      const wide = await wideFanOut(ctx);
      details.wide = wide;
      rows.push({
        workload: `wide fan-out 1×${options.wide}`,
        figure: 'deliveries/s (L at 100, F100 activities/s)',
        herald: wide.rate,
        limit: L100,
        floor: baselines.F100?.rate,
      });
      rows.push({ workload: 'wide fan-out', figure: 's until all delivered', herald: wide.seconds });
      rows.push({
        workload: 'wide fan-out',
        figure: `history events (${wide.workflows} workflows, largest ${wide.largestHistoryEvents})`,
        herald: wide.historyEvents,
      });
    });
  }

  const table = renderTable(rows);
  process.stdout.write(
    `\nHerald benchmark — ${facts.cores} cores, ${facts.memoryGiB} GiB, Node ${facts.node}, ${facts.temporal}, commit ${facts.commit}\n`,
  );
  process.stdout.write(
    `L = bare sign+POST+insert loop (concurrency ${options.concurrency} unless noted); F = no-op workflow + 1 no-op activity per event (workflows/s); F100 = 100 no-op activities per workflow (activities/s)\n\n`,
  );
  process.stdout.write(`${table}\n`);
  const file = writeResults(values.out, { machine: facts, options, rows, details, failures, table });
  process.stdout.write(`\nResults written to ${file}\n`);
  if (failures.length > 0) {
    process.stdout.write(`\n${failures.length} workload(s) FAILED:\n  ${failures.join('\n  ')}\n`);
    process.exitCode = 1;
  }
} finally {
  for (const worker of extraWorkers) await worker.stop();
  await ctx.herald.stop();
  await receiver.stop();
  await temporal.connection.close();
  await db.destroy();
  await infrastructure.stop();
}
// The Temporal runtime's log forwarding keeps a process alive that has nothing left to do; the run is over.
process.exit();
