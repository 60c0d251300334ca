import { afterEach, describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../client/index.js';
import { testEnvironment } from '../support/herald.js';
import { waitFor } from '../support/wait-for.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { useStack } from '../support/stack.js';

/**
 * The worker runs as a separate `herald worker` process that the tests stop and kill, while the API keeps
 * publishing from this process: retries must survive in Temporal, not in the worker's memory.
 */
const schedule = { HERALD_RETRY_SCHEDULE: '0,1500ms,20ms,20ms,20ms', HERALD_ATTEMPT_TIMEOUT: '1s' };

const workers: WorkerProcess[] = [];

afterEach(async () => {
  for (const worker of workers.splice(0)) {
    if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
    await worker.exited;
  }
});

async function startWorker() {
  const worker = await startWorkerProcess(
    testEnvironment({
      ...schedule,
      DATABASE_URL: stack.herald.databaseUrl,
      TEMPORAL_ADDRESS: stack.herald.temporalAddress,
      TEMPORAL_NAMESPACE: stack.herald.config.temporal.namespace,
      HERALD_TASK_QUEUE: stack.herald.config.temporal.taskQueue,
    }),
  );
  workers.push(worker);
  return worker;
}

async function attemptsOf(deliveryId: string) {
  return stack.herald.db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt_number')
    .execute();
}

const stack = useStack({ roles: ['api'], env: schedule });
describe('durability', () => {
  it('finishes a delivery whose worker was stopped while its retry was waiting', async () => {
    const client = createHeraldClient({ url: stack.herald.url, apiKey: stack.herald.adminKey });
    await client.webhooks.create.mutate({ url: `${stack.receiver.url}/restart`, events: ['durable.retry'] });
    stack.receiver.behave((_, index) => (index === 0 ? { status: 503 } : { status: 200, body: 'OK' }));

    const first = await startWorker();
    const published = await client.events.publish.mutate({ type: 'durable.retry', data: { n: 1 } });
    const deliveryId = published.deliveries[0]!.id;
    await waitFor(async () => (await attemptsOf(deliveryId))[0]?.outcome === 'failed', {
      what: 'the first attempt to fail',
    });

    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const restartedAt = Date.now();
    await startWorker();

    const delivery = await waitFor(async () => {
      const d = await client.deliveries.get.query({ id: deliveryId });
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(delivery.attemptLog.map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
    expect(stack.receiver.requests).toHaveLength(2);
    expect(stack.receiver.requests[1]!.receivedAt).toBeGreaterThanOrEqual(restartedAt);
    expect(stack.receiver.requests[1]!.receivedAt - stack.receiver.requests[0]!.receivedAt).toBeGreaterThanOrEqual(
      1_500,
    );
  });

  it('retries an attempt cut short by a worker crash and records it as interrupted', async () => {
    const client = createHeraldClient({ url: stack.herald.url, apiKey: stack.herald.adminKey });
    const path = '/crash';
    await client.webhooks.create.mutate({ url: `${stack.receiver.url}${path}`, events: ['durable.crash'] });
    // The first request never gets an answer before the worker dies.
    stack.receiver.behave((request) =>
      request.path === path && stack.receiver.requests.filter((r) => r.path === path).length === 1
        ? { status: 200, delayMs: 60_000 }
        : { status: 200, body: 'OK' },
    );

    const doomed = await startWorker();
    const published = await client.events.publish.mutate({ type: 'durable.crash', data: { n: 2 } });
    const deliveryId = published.deliveries[0]!.id;
    await stack.receiver.waitForRequests(1, { matching: (r) => r.path === path });
    expect((await attemptsOf(deliveryId)).map((a) => a.outcome)).toEqual(['in_flight']);

    doomed.process.kill('SIGKILL');
    await doomed.exited;
    await startWorker();

    const delivery = await waitFor(
      async () => {
        const d = await client.deliveries.get.query({ id: deliveryId });
        return d.status === 'succeeded' ? d : undefined;
      },
      { timeoutMs: 40_000, what: 'the delivery to succeed on the new worker' },
    );
    expect(delivery.attempts).toBe(2);
    expect(delivery.attemptLog.map((a) => [a.attemptNumber, a.outcome])).toEqual([
      [1, 'interrupted'],
      [2, 'succeeded'],
    ]);
    expect(delivery.attemptLog[0]!.error).toMatch(/interrupted/);
    const sent = stack.receiver.requests.filter((r) => r.path === path);
    expect(sent.map((r) => r.headers['x-webhook-attempt'])).toEqual(['1', '2']);
  });
});
