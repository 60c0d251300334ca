import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { searchAttributes } from '../../workflows/shared.js';
import { frontendRequests, perDelivery, total } from '../server-metrics.js';
import { runConcurrently } from '../workloads/helpers.js';

export interface FloorResult {
  workflows: number;
  activities: number;
  seconds: number;
  /** Workflows per second for F; activities per second for F100. */
  rate: number;
  /** Temporal frontend requests per workflow (polls included). */
  serverRequestsPerWorkflow: number;
}

/**
 * F and F100, the Temporal floor: no-op workflows with no-op activities, started with the same options Herald
 * uses (business id, conflict policy, search attributes, summary), on a worker in its own process.
 */
export async function measureFloor(args: {
  client: Client;
  address: string;
  namespace: string;
  metricsUrl: string | undefined;
  workflows: number;
  activitiesPerWorkflow: number;
  concurrency: number;
  progress: (message: string) => void;
}): Promise<FloorResult> {
  const taskQueue = `bench-floor-${Date.now()}`;
  const worker = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./floor-worker.ts', import.meta.url)),
      args.address,
      taskQueue,
      args.namespace,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    worker.once('exit', (code) => reject(new Error(`floor worker exited with ${code}`)));
  });
  try {
    const fanOut = args.activitiesPerWorkflow > 1;
    const type = fanOut ? 'floorFanOut' : 'floorOneActivity';
    const requestsBefore = await frontendRequests(args.metricsUrl);
    const started = Date.now();
    await runConcurrently(args.workflows, args.concurrency, (i) =>
      args.client.workflow.start(type, {
        taskQueue,
        workflowId: `${taskQueue}-${i}`,
        args: fanOut ? [args.activitiesPerWorkflow] : [],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: [
          { key: searchAttributes.eventType, value: 'bench.floor' },
          { key: searchAttributes.eventId, value: `${taskQueue}-${i}` },
        ],
        staticSummary: 'bench.floor → 1 webhook',
      }),
    );
    const query = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"`;
    let lastPrint = 0;
    for (;;) {
      const { count } = await args.client.workflow.count(query);
      if (count >= args.workflows) break;
      if (Date.now() - lastPrint > 3_000) {
        args.progress(`${fanOut ? 'F100' : 'F'}: ${count}/${args.workflows} workflows completed`);
        lastPrint = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    const requests = total(perDelivery(requestsBefore, await frontendRequests(args.metricsUrl), args.workflows));
    const activities = args.workflows * args.activitiesPerWorkflow;
    return {
      workflows: args.workflows,
      activities,
      seconds,
      rate: (fanOut ? activities : args.workflows) / seconds,
      serverRequestsPerWorkflow: requests,
    };
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
}
