/**
 * Records the replay fixtures: runs real workflows on the real test stack (Temporal dev server, Postgres, a loopback
 * receiver) along every path a deploy can meet them on, and saves their histories to `test/replay/histories/`.
 *
 *   npm run test:record-histories                  records the fixtures that do not exist yet
 *   npm run test:record-histories -- -t "manual"   only the paths whose name matches
 *   HERALD_RECORD_OVERWRITE=1 npm run test:record-histories   records them all again
 *
 * Existing fixtures are kept by default: they are what workflows started by earlier code look like, and replacing
 * them with histories of the current code would hide exactly the breakage `replay.test.ts` exists to catch.
 *
 * Not part of `npm test` (the name does not match `*.test.ts`); its own config is `vitest.record.config.ts`.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { cancelScheduledEvent } from '../../server/services/cancel-event.js';
import { publishEvents } from '../../server/services/publish-event.js';
import { createWorkflowGateway, type WorkflowGateway } from '../../server/temporal/workflow-gateway.js';
import { progressQuery, reconcilerWorkflowId } from '../../workflows/shared.js';
import { runConcurrently } from '../support/concurrently.js';
import type { TestHerald } from '../support/herald.js';
import { type Behaviour, ok } from '../support/receiver.js';
import { type Stack, useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';
import { fixtureExists, historyOf, saveHistory } from './fixtures.js';

const overwrite = process.env.HERALD_RECORD_OVERWRITE === '1';

/** Paths answered with 503 until a test heals them. */
const failing = new Set(['/down', '/retry', '/recover', '/recover-cancel']);
let flakyRequests = 0;
const behaviour: Behaviour = (request) => {
  if (request.path === '/flaky') return ++flakyRequests <= 2 ? { status: 503 } : { status: 200, body: 'OK' };
  if (failing.has(request.path)) return { status: 503 };
  // Slow enough that the second event of the key is published while the first is still being delivered.
  if (request.path === '/ordered') return { status: 200, delayMs: 500 };
  // Slow enough that the recovery is still on its first page when it is cancelled.
  if (request.path === '/recover-cancel') return { status: 200, delayMs: 1_500 };
  return { status: 200, body: 'OK' };
};

const stack = useStack({
  env: {
    // Five attempts, milliseconds apart: the production schedule's shape without its hours.
    HERALD_RETRY_SCHEDULE: '0,20ms,20ms,20ms,20ms',
    // Room for the wide fan-out's thousand first attempts to all leave on a busy machine (see below).
    HERALD_ATTEMPT_TIMEOUT: '10s',
  },
  receiver: behaviour,
});
// A reconciler that sweeps five times a second and restarts what is 300 ms overdue.
const sweeping = useStack({
  env: { HERALD_RECONCILE_INTERVAL: '200ms', HERALD_RECONCILE_AFTER: '300ms' },
  receiver: ok,
});

/** Runs the path unless all its fixtures exist (and HERALD_RECORD_OVERWRITE is not set). */
const records = (title: string, fixtures: string[], path: () => Promise<void>, timeoutMs = 60_000) =>
  it.runIf(overwrite || fixtures.some((name) => !fixtureExists(name)))(
    `${title} → ${fixtures.join(', ')}`,
    path,
    timeoutMs,
  );

function handleOf(herald: TestHerald, workflowId: string): WorkflowHandle {
  return herald.temporalClient().workflow.getHandle(workflowId);
}

/** Waits until the workflow has closed with `status`, then saves its history as the fixture `name`. */
async function recordClosed(herald: TestHerald, name: string, workflowId: string, status = 'COMPLETED') {
  const handle = handleOf(herald, workflowId);
  const closed = await waitFor(
    async () => {
      const description = await handle.describe();
      return description.status.name === 'RUNNING' ? undefined : description;
    },
    { what: `${workflowId} to close` },
  );
  expect(closed.status.name, `${workflowId} closed as ${closed.status.name}`).toBe(status);
  const bytes = await saveHistory(name, handle);
  process.stderr.write(`[record] ${name}.json: ${closed.type} ${workflowId}, ${status}, ${bytes} bytes\n`);
}

async function webhookFor(on: Stack, path: string, events: string[]) {
  return on.herald.client.webhooks.create.mutate({ url: `${on.receiver.url}${path}`, events });
}

function gatewayOf(herald: TestHerald): WorkflowGateway {
  return createWorkflowGateway({
    client: herald.temporalClient(),
    taskQueue: herald.config.temporal.taskQueue,
    policy: {
      retryScheduleMs: herald.config.delivery.retryScheduleMs,
      attemptTimeoutMs: herald.config.delivery.attemptTimeoutMs,
    },
    eagerStart: false,
  });
}

// First, while the reconciler's history is still short: it grows by a sweep five times a second.
describe('resumeDelivery and deliveryReconciler', () => {
  records('a delivery whose workflow never started, resumed by the reconciler', ['resume-delivery'], async () => {
    await webhookFor(sweeping, '/lost', ['replay.lost']);
    // The publication commits but its workflow never starts: only the reconciler can save the delivery.
    const lost: WorkflowGateway = { ...gatewayOf(sweeping.herald), startFanOut: async () => undefined };
    const [published] = await publishEvents({ db: sweeping.herald.db, workflows: lost }, sweeping.herald.scope, [
      { type: 'replay.lost', data: { n: 7 } },
    ]);
    const deliveryId = published!.deliveries[0]!.id;
    expect(await sweeping.herald.settled(deliveryId)).toMatchObject({ status: 'succeeded', attempts: 1 });
    await recordClosed(sweeping.herald, 'resume-delivery', `resume:${deliveryId}:0`);
  });

  for (const name of [
    'delivery-reconciler-running',
    'delivery-reconciler-health-sweep',
    'delivery-reconciler-retention',
  ])
    // Recorded before the `endpoint-health-sweep` patch, after it, and after `retention-sweep`.
    records(`the reconciler, running, after a few sweeps (${name})`, [name], async () => {
      const handle = handleOf(sweeping.herald, reconcilerWorkflowId(sweeping.herald.config.temporal.taskQueue));
      await waitFor(
        async () =>
          (await historyOf(handle)).events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED').length >=
          3,
        { what: 'three sweeps of the reconciler' },
      );
      // Open histories replay too: it runs forever, so this is the only shape a deploy ever meets it in.
      expect((await handle.describe()).status.name).toBe('RUNNING');
      const bytes = await saveHistory(name, handle);
      process.stderr.write(`[record] ${name}.json: ${handle.workflowId}, RUNNING, ${bytes} bytes\n`);
    });
});

describe('fanOutEvent', () => {
  // The fixtures above this line's siblings were recorded before the `outcome-search-attribute` patch; this one
  // after it, so both the old and the patched path stay replayable.
  records('one webhook, its outcome set as a search attribute', ['fan-out-outcome-attribute'], async () => {
    await webhookFor(stack, '/outcome', ['replay.outcome']);
    const published = await stack.herald.client.events.publish.mutate({ type: 'replay.outcome', data: { n: 8 } });
    expect(await stack.herald.fanOut(published.id).result()).toEqual({ deliveries: 1, succeeded: 1, failed: 0 });
    await recordClosed(stack.herald, 'fan-out-outcome-attribute', await stack.herald.fanOut(published.id).workflowId());
  });

  records('a scheduled send, started by Temporal at its time', ['fan-out-scheduled'], async () => {
    await webhookFor(stack, '/scheduled', ['replay.scheduled']);
    const published = await stack.herald.client.events.publish.mutate({
      type: 'replay.scheduled',
      data: { n: 9 },
      deliverAt: new Date(Date.now() + 1_500).toISOString(),
    });
    expect(published.deliveries.map((d) => d.status)).toEqual(['scheduled']);
    expect(await stack.herald.fanOut(published.id).result()).toEqual({ deliveries: 1, succeeded: 1, failed: 0 });
    await recordClosed(stack.herald, 'fan-out-scheduled', await stack.herald.fanOut(published.id).workflowId());
  });

  records('a scheduled send cancelled, its workflow left to start', ['fan-out-scheduled-cancelled'], async () => {
    await webhookFor(stack, '/scheduled-cancelled', ['replay.cancelled']);
    const published = await stack.herald.client.events.publish.mutate({
      type: 'replay.cancelled',
      data: { n: 10 },
      deliverAt: new Date(Date.now() + 1_500).toISOString(),
    });
    // The cancel's termination does not get through: the workflow starts at its time and finds nothing to send.
    const keyId = (await stack.herald.db.selectFrom('api_keys').select('id').executeTakeFirstOrThrow()).id;
    const stuck: WorkflowGateway = { ...gatewayOf(stack.herald), terminateFanOut: async () => undefined };
    await cancelScheduledEvent(
      { db: stack.herald.db, workflows: stuck },
      { principal: { ...stack.herald.scope, keyId, permissions: new Set(['events:publish']) }, requestId: null },
      published.id,
    );
    expect(await stack.herald.fanOut(published.id).result()).toEqual({
      deliveries: 1,
      succeeded: 0,
      failed: 0,
      cancelled: 1,
    });
    await recordClosed(
      stack.herald,
      'fan-out-scheduled-cancelled',
      await stack.herald.fanOut(published.id).workflowId(),
    );
  });

  records('one webhook, the first attempt succeeds', ['fan-out-success'], async () => {
    await webhookFor(stack, '/ok', ['replay.ok']);
    const published = await stack.herald.client.events.publish.mutate({ type: 'replay.ok', data: { n: 1 } });
    expect(await stack.herald.fanOut(published.id).result()).toEqual({ deliveries: 1, succeeded: 1, failed: 0 });
    await recordClosed(stack.herald, 'fan-out-success', await stack.herald.fanOut(published.id).workflowId());
  });

  records('the second event of an ordering key waits for its turn', ['fan-out-ordered-waits-turn'], async () => {
    await webhookFor(stack, '/ordered', ['replay.ordered']);
    const publish = (n: number) =>
      stack.herald.client.events.publish.mutate({ type: 'replay.ordered', data: { n }, orderingKey: 'replay-key' });
    const first = await publish(1);
    const second = await publish(2);
    expect(second.deliveries[0]!.status).toBe('queued');
    expect(await stack.herald.fanOut(second.id).result()).toEqual({ deliveries: 1, succeeded: 1, failed: 0 });
    expect(await stack.herald.settled(first.deliveries[0]!.id)).toMatchObject({ status: 'succeeded' });
    await recordClosed(stack.herald, 'fan-out-ordered-waits-turn', await stack.herald.fanOut(second.id).workflowId());
  });

  records('the receiver fails twice, then answers 200', ['fan-out-retries-then-success'], async () => {
    await webhookFor(stack, '/flaky', ['replay.flaky']);
    const published = await stack.herald.client.events.publish.mutate({ type: 'replay.flaky', data: { n: 2 } });
    expect(await stack.herald.fanOut(published.id).result()).toEqual({ deliveries: 1, succeeded: 1, failed: 0 });
    expect(await stack.herald.settled(published.deliveries[0]!.id)).toMatchObject({
      status: 'succeeded',
      attempts: 3,
    });
    await recordClosed(
      stack.herald,
      'fan-out-retries-then-success',
      await stack.herald.fanOut(published.id).workflowId(),
    );
  });

  records('all five attempts fail', ['fan-out-all-attempts-failed'], async () => {
    await webhookFor(stack, '/down', ['replay.down']);
    const published = await stack.herald.client.events.publish.mutate({ type: 'replay.down', data: { n: 3 } });
    expect(await stack.herald.fanOut(published.id).result()).toEqual({ deliveries: 1, succeeded: 0, failed: 1 });
    expect(await stack.herald.settled(published.deliveries[0]!.id)).toMatchObject({ status: 'failed', attempts: 5 });
    await recordClosed(
      stack.herald,
      'fan-out-all-attempts-failed',
      await stack.herald.fanOut(published.id).workflowId(),
    );
  });

  records(
    'more than 1,000 deliveries, run by child workflows',
    ['fan-out-wide-parent', 'fan-out-wide-part-1', 'fan-out-wide-part-2'],
    async () => {
      const width = 1_001;
      await runConcurrently(width, 20, (i) => webhookFor(stack, `/wide/${i}`, ['replay.wide']));
      const published = await stack.herald.client.events.publish.mutate({ type: 'replay.wide', data: { n: 4 } });
      expect(published.deliveries).toHaveLength(width);
      expect(await stack.herald.fanOut(published.id).result()).toEqual({
        deliveries: width,
        succeeded: width,
        failed: 0,
      });
      const parent = await stack.herald.fanOut(published.id).workflowId();
      // The path recorded is "every first attempt succeeds". On a starved machine some cannot leave within their
      // lease and are retried: a valid history, but another path, and a fixture a hundred times the size.
      for (const part of [`${parent}/part-1`, `${parent}/part-2`]) {
        const retries = (await historyOf(handleOf(stack.herald, part))).events.filter(
          (e) => e.eventType === 'EVENT_TYPE_TIMER_STARTED',
        ).length;
        expect(retries, `${part} retried ${retries} deliveries; record again on a quieter machine`).toBe(0);
      }
      await recordClosed(stack.herald, 'fan-out-wide-parent', parent);
      // Part 1 runs ten batches of 100; part 2 the one delivery left over.
      await recordClosed(stack.herald, 'fan-out-wide-part-1', `${parent}/part-1`);
      await recordClosed(stack.herald, 'fan-out-wide-part-2', `${parent}/part-2`);
    },
    180_000,
  );

  records('a publication that rolled back after starting its workflow', ['fan-out-rolled-back'], async () => {
    await webhookFor(stack, '/rollback', ['replay.rollback']);
    const gateway = gatewayOf(stack.herald);
    let orphan: string | undefined;
    // As a process killed between the start and the commit: the workflow exists, its deliveries never do.
    const crashing: WorkflowGateway = {
      ...gateway,
      startFanOut: async (scope, event) => {
        orphan = event.workflowId;
        await gateway.startFanOut(scope, event);
        throw new Error('killed after the start, before the commit');
      },
    };
    await expect(
      publishEvents({ db: stack.herald.db, workflows: crashing }, stack.herald.scope, [
        { type: 'replay.rollback', data: { n: 5 } },
      ]),
    ).rejects.toThrow(/killed after the start/);
    expect(orphan).toBeDefined();
    expect(await handleOf(stack.herald, orphan!).result()).toEqual({
      deliveries: 0,
      succeeded: 0,
      failed: 0,
      rolledBack: true,
    });
    await recordClosed(stack.herald, 'fan-out-rolled-back', orphan!);
  });
});

describe('retryDelivery', () => {
  records('deliveries.retry on a failed delivery', ['retry-delivery-manual'], async () => {
    await webhookFor(stack, '/retry', ['replay.retry']);
    const published = await stack.herald.client.events.publish.mutate({ type: 'replay.retry', data: { n: 6 } });
    const deliveryId = published.deliveries[0]!.id;
    expect((await stack.herald.settled(deliveryId)).status).toBe('failed');
    failing.delete('/retry');
    await stack.herald.client.deliveries.retry.mutate({ id: deliveryId });
    expect(await stack.herald.settled(deliveryId)).toMatchObject({ status: 'succeeded', attempts: 6 });
    const { workflow_id: retryId } = await stack.herald.db
      .selectFrom('deliveries')
      .select('workflow_id')
      .where('id', '=', deliveryId)
      .executeTakeFirstOrThrow();
    expect(retryId).toMatch(/^retry:/);
    await recordClosed(stack.herald, 'retry-delivery-manual', retryId!);
  });
});

describe('recoverWebhook', () => {
  /** A webhook with `count` deliveries that failed every attempt, and the time to recover them from. */
  async function failedDeliveries(path: string, type: string, count: number) {
    const since = new Date(Date.now() - 1_000).toISOString();
    const hook = await webhookFor(stack, path, [type]);
    for (let i = 0; i < count; i++) {
      const published = await stack.herald.client.events.publish.mutate({ type, data: { i } });
      expect((await stack.herald.settled(published.deliveries[0]!.id)).status).toBe('failed');
    }
    return { hook, since };
  }

  records('a recovery that completes', ['recover-webhook-completed'], async () => {
    const { hook, since } = await failedDeliveries('/recover', 'replay.recover', 2);
    failing.delete('/recover');
    const recovery = await stack.herald.client.webhooks.recover.mutate({ id: hook.id, since });
    await recordClosed(stack.herald, 'recover-webhook-completed', recovery.id);
    expect(await handleOf(stack.herald, recovery.id).result()).toMatchObject({
      total: 2,
      processed: 2,
      succeeded: 2,
    });
  });

  records('a recovery whose progress is queried, then cancelled', ['recover-webhook-cancelled'], async () => {
    const { hook, since } = await failedDeliveries('/recover-cancel', 'replay.recover-cancel', 3);
    const before = stack.receiver.requests.filter((r) => r.path === '/recover-cancel').length;
    failing.delete('/recover-cancel');
    const recovery = await stack.herald.client.webhooks.recover.mutate({ id: hook.id, since });
    // Its first page is on the wire (and answered slowly) when it is cancelled.
    await stack.receiver.waitForRequests(before + 1, { matching: (r) => r.path === '/recover-cancel' });
    const progress = await handleOf(stack.herald, recovery.id).query(progressQuery);
    expect(progress).toMatchObject({ total: 3, processed: 0 });
    expect((await stack.herald.client.recoveries.get.query({ id: recovery.id })).state).toBe('running');
    await stack.herald.client.recoveries.cancel.mutate({ id: recovery.id });
    await recordClosed(stack.herald, 'recover-webhook-cancelled', recovery.id, 'CANCELLED');
  });
});

describe('drainWebhook', () => {
  records('a paused webhook resumed with parked deliveries', ['drain-webhook-completed'], async () => {
    const hook = await webhookFor(stack, '/drain', ['replay.drain']);
    await stack.herald.client.webhooks.pause.mutate({ id: hook.id });
    const parked: string[] = [];
    for (let n = 0; n < 3; n++) {
      const published = await stack.herald.client.events.publish.mutate({ type: 'replay.drain', data: { n } });
      parked.push(published.deliveries[0]!.id);
    }
    for (const id of parked) expect((await stack.herald.settled(id)).status).toBe('parked');
    await stack.herald.client.webhooks.resume.mutate({ id: hook.id });
    // Parked, then pending again while the drain works: settled() would stop at the first.
    for (const id of parked)
      await waitFor(
        async () => (await stack.herald.client.deliveries.get.query({ id })).status === 'succeeded' || undefined,
        { what: `parked delivery ${id} to be sent` },
      );
    const drain = await waitFor(
      async () => {
        for await (const workflow of stack.herald
          .temporalClient()
          .workflow.list({ query: `WorkflowType = 'drainWebhook' AND WorkflowId STARTS_WITH 'drain:${hook.id}:'` }))
          return workflow.workflowId;
        return undefined;
      },
      { what: `the drain of ${hook.id} to be listed` },
    );
    await recordClosed(stack.herald, 'drain-webhook-completed', drain);
  });
});
