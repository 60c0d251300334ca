import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnvironment } from '../support/herald.js';
import { failure } from '../support/errors.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/**
 * Scheduled sends on the real stack: the API in this process, the worker as a `herald worker` process the tests
 * stop and start, and a loopback receiver. The reconciler sweeps every 300 ms, so a scheduled send it wrongly took
 * for lost would be restarted (and its owner changed) long before it comes due.
 */
const env = { HERALD_RECONCILE_INTERVAL: '300ms', HERALD_RECONCILE_AFTER: '1s', HERALD_SCHEDULE_HORIZON: '1d' };
const stack = useStack({ roles: ['api'], env });

let worker: WorkerProcess | undefined;

async function startWorker(): Promise<WorkerProcess> {
  worker = await startWorkerProcess(
    testEnvironment({
      ...env,
      DATABASE_URL: stack.herald.databaseUrl,
      TEMPORAL_ADDRESS: stack.herald.temporalAddress,
      TEMPORAL_NAMESPACE: stack.herald.config.temporal.namespace,
      HERALD_TASK_QUEUE: stack.herald.config.temporal.taskQueue,
    }),
  );
  return worker;
}

async function stopWorker(): Promise<void> {
  if (!worker) return;
  if (worker.process.exitCode === null) worker.process.kill('SIGTERM');
  await worker.exited;
  worker = undefined;
}

beforeAll(async () => {
  await startWorker();
}, 90_000);

afterAll(async () => {
  await stopWorker();
});

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

/** A webhook of its own for each test, so each test's requests are told apart by path. */
async function webhookFor(path: string, type: string) {
  return stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/${path}`, events: [type] });
}

/** The delivery backlog gauges, as /metrics shows them. */
async function gauges() {
  const text = await (await fetch(`${stack.herald.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  return {
    pending: value('herald_deliveries_pending'),
    parked: value('herald_deliveries_parked'),
    scheduled: value('herald_deliveries_scheduled'),
  };
}

/** Waits for a delivery to succeed (`settled` would stop at `scheduled`, which is not pending either). */
async function succeeded(deliveryId: string) {
  return waitFor(
    async () => {
      const delivery = await stack.herald.client.deliveries.get.query({ id: deliveryId });
      return delivery.status === 'succeeded' ? delivery : undefined;
    },
    { timeoutMs: 30_000, what: `delivery ${deliveryId} to succeed` },
  );
}

const received = (path: string) => stack.receiver.requests.filter((r) => r.path === `/${path}`);

async function deliveryRows(eventId: string) {
  return stack.herald.db.selectFrom('deliveries').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
}

describe('scheduled sends', () => {
  it('holds a send until its time: scheduled in the log, nothing received before, then received once', async () => {
    const { client } = stack.herald;
    const hook = await webhookFor('later', 'reminder.later');
    const deliverAt = inSeconds(4);
    const published = await client.events.publish.mutate({ type: 'reminder.later', data: { n: 1 }, deliverAt });
    expect(published.deliverAt).toBe(deliverAt);
    expect(published.deliveries.map((d) => d.status)).toEqual(['scheduled']);
    const deliveryId = published.deliveries[0]!.id;
    const owner = (await deliveryRows(published.id))[0]!.workflow_id;

    // The log lists it as scheduled, due at its time, and filters by the status.
    const log = await client.deliveries.list.query({ status: 'scheduled', webhookId: hook.id });
    expect(log.data.map((d) => [d.id, d.status, d.nextAttemptAt])).toEqual([[deliveryId, 'scheduled', deliverAt]]);
    // Its workflow exists and waits (on Temporal's start delay).
    expect((await stack.herald.fanOut(published.id).describe()).status.name).toBe('RUNNING');

    // Nothing received while the log still says scheduled: the receiver is read first, then the log.
    expect(received('later')).toHaveLength(0);
    expect((await client.deliveries.get.query({ id: deliveryId })).status).toBe('scheduled');

    const [request] = await stack.receiver.waitForRequests(1, {
      timeoutMs: 30_000,
      matching: (r) => r.path === '/later',
    });
    expect(request!.receivedAt).toBeGreaterThanOrEqual(Date.parse(deliverAt));
    const delivered = await succeeded(deliveryId);
    expect(delivered.attemptLog.map((a) => a.outcome)).toEqual(['succeeded']);
    expect(JSON.parse(request!.rawBody)).toMatchObject({ type: 'reminder.later', data: { n: 1 } });
    // The reconciler left the waiting workflow alone: the delivery kept its owner, and went out once.
    expect((await deliveryRows(published.id))[0]!.workflow_id).toBe(owner);
    expect(received('later')).toHaveLength(1);
  });

  it('sends at once when deliverAt is now or past', async () => {
    await webhookFor('past', 'reminder.past');
    const published = await stack.herald.client.events.publish.mutate({
      type: 'reminder.past',
      data: {},
      deliverAt: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(published.deliverAt).toBeNull();
    expect(published.deliveries.map((d) => d.status)).toEqual(['pending']);
    expect((await succeeded(published.deliveries[0]!.id)).status).toBe('succeeded');
  });

  it('refuses a time beyond the horizon with a 400 that names the field', async () => {
    const error = await failure(
      stack.herald.client.events.publish.mutate({ type: 'reminder.far', data: {}, deliverAt: inSeconds(2 * 86_400) }),
    );
    expect(error.data?.httpStatus).toBe(400);
    expect(error.message).toMatch(/deliverAt: must be at most 1d ahead/);
    // REST answers in the one error shape, and nothing was stored.
    const response = await fetch(`${stack.herald.url}/v1/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.herald.adminKey },
      body: JSON.stringify({
        events: [
          { id: 'far_ok', type: 'reminder.far', data: {} },
          { id: 'far_bad', type: 'reminder.far', data: {}, deliverAt: inSeconds(2 * 86_400) },
        ],
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; issues?: Array<{ path: string }> } };
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.issues?.map((i) => i.path)).toEqual(['events.1.deliverAt']);
    const stored = await stack.herald.db.selectFrom('events').select('id').where('id', 'like', 'far_%').execute();
    expect(stored).toEqual([]);
  });

  it('cancels a scheduled event: cancelled deliveries, its workflow closed, audited, and nothing ever sent', async () => {
    const { client } = stack.herald;
    await webhookFor('cancel-a', 'reminder.cancel');
    await webhookFor('cancel-b', 'reminder.cancel');
    const deliverAt = inSeconds(60);
    const published = await client.events.publish.mutate({
      id: 'reminder_to_cancel',
      type: 'reminder.cancel',
      data: {},
      deliverAt,
    });
    const workflowId = await stack.herald.fanOut(published.id).workflowId();
    // The backlog gauges count them as scheduled, not as waiting for an attempt or parked.
    expect(await gauges()).toEqual({ pending: 0, parked: 0, scheduled: 2 });

    const cancelled = await client.events.cancel.mutate({ id: published.id });
    expect(cancelled).toMatchObject({ id: published.id, type: 'reminder.cancel', deliverAt });
    expect(cancelled.deliveries.map((d) => d.status)).toEqual(['cancelled', 'cancelled']);
    // Again: the same answer.
    expect((await client.events.cancel.mutate({ id: published.id })).cancelledAt).toBe(cancelled.cancelledAt);

    const handle = stack.herald.temporalClient().workflow.getHandle(workflowId);
    const closed = await waitFor(async () => {
      const { status } = await handle.describe();
      return status.name !== 'RUNNING' ? status.name : undefined;
    });
    expect(closed).toBe('TERMINATED');
    const log = await client.deliveries.list.query({ eventId: published.id, status: 'cancelled' });
    expect(log.data).toHaveLength(2);
    expect(log.data.every((d) => d.nextAttemptAt === null)).toBe(true);
    const { data: audit } = await client.audit.forEntity.query({ entityType: 'event', entityId: published.id });
    expect(audit.map((entry) => entry.event)).toEqual(['events.cancel']);
    // The reconciler does not bring a cancelled send back: still cancelled, owned by the closed workflow.
    const rows = await deliveryRows(published.id);
    expect(rows.map((r) => [r.status, r.workflow_id])).toEqual([
      ['cancelled', workflowId],
      ['cancelled', workflowId],
    ]);
    await waitFor(async () => (await gauges()).scheduled === 0, { what: 'the scheduled gauge to drop' });
    expect(received('cancel-a')).toHaveLength(0);
    expect(received('cancel-b')).toHaveLength(0);
  });

  it('refuses to cancel what was sent (409), was never scheduled (409) or does not exist (404)', async () => {
    const { client } = stack.herald;
    await webhookFor('sent', 'reminder.sent');
    const published = await client.events.publish.mutate({ type: 'reminder.sent', data: {}, deliverAt: inSeconds(1) });
    expect((await succeeded(published.deliveries[0]!.id)).status).toBe('succeeded');
    const sent = await failure(client.events.cancel.mutate({ id: published.id }));
    expect(sent.data?.httpStatus).toBe(409);
    expect(sent.message).toMatch(/already sent/);

    const now = await client.events.publish.mutate({ type: 'reminder.sent', data: {} });
    const immediate = await failure(client.events.cancel.mutate({ id: now.id }));
    expect(immediate.data?.httpStatus).toBe(409);
    expect(immediate.message).toMatch(/not scheduled/);

    const missing = await fetch(`${stack.herald.url}/v1/events/no_such_event/cancel`, {
      method: 'POST',
      headers: { 'x-api-key': stack.herald.adminKey },
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'Event no_such_event does not exist' },
    });
  });

  it('is all or nothing when a cancel races the time: each event is either wholly cancelled or wholly sent', async () => {
    const { client } = stack.herald;
    await webhookFor('race-a', 'reminder.race');
    await webhookFor('race-b', 'reminder.race');
    const deliverAt = inSeconds(3);
    const { events } = await client.events.publishBatch.mutate({
      events: Array.from({ length: 12 }, (_, i) => ({
        id: `race_${i}`,
        type: 'reminder.race',
        data: { i },
        deliverAt,
      })),
    });
    // Cancels spread around the due time, one event after another, until all are answered.
    const answers = new Map<string, 'cancelled' | 'refused'>();
    for (const event of events) {
      await waitFor(() => Date.now() >= Date.parse(deliverAt) - 300 + answers.size * 60, { timeoutMs: 10_000 });
      try {
        await client.events.cancel.mutate({ id: event.id });
        answers.set(event.id, 'cancelled');
      } catch (error) {
        expect((error as { data?: { httpStatus?: number } }).data?.httpStatus).toBe(409);
        answers.set(event.id, 'refused');
      }
    }
    for (const event of events) {
      const ids = event.deliveries.map((d) => d.id);
      if (answers.get(event.id) === 'cancelled') {
        const workflowId = await stack.herald.fanOut(event.id).workflowId();
        await waitFor(
          async () =>
            (await stack.herald.temporalClient().workflow.getHandle(workflowId).describe()).status.name !== 'RUNNING',
        );
        expect((await deliveryRows(event.id)).map((d) => d.status)).toEqual(['cancelled', 'cancelled']);
      } else {
        for (const id of ids) expect((await succeeded(id)).status).toBe('succeeded');
      }
    }
    const requests = stack.receiver.requests.filter((r) => r.path.startsWith('/race-'));
    const sentEvents = events.filter((e) => answers.get(e.id) === 'refused').map((e) => e.id);
    expect(requests.map((r) => (JSON.parse(r.rawBody) as { id: string }).id).sort()).toEqual(
      sentEvents.flatMap((id) => [id, id]).sort(),
    );
  });

  it('delivers once a send whose worker was restarted while it waited', async () => {
    const { client } = stack.herald;
    await webhookFor('restart', 'reminder.restart');
    const deliverAt = inSeconds(6);
    const published = await client.events.publish.mutate({ type: 'reminder.restart', data: {}, deliverAt });
    await stopWorker();
    expect((await client.deliveries.get.query({ id: published.deliveries[0]!.id })).status).toBe('scheduled');
    await startWorker();
    const [request] = await stack.receiver.waitForRequests(1, {
      timeoutMs: 60_000,
      matching: (r) => r.path === '/restart',
    });
    expect(request!.receivedAt).toBeGreaterThanOrEqual(Date.parse(deliverAt));
    expect((await succeeded(published.deliveries[0]!.id)).status).toBe('succeeded');
    // Nothing more arrives once its workflow has closed.
    await stack.herald.fanOut(published.id).result();
    expect(received('restart')).toHaveLength(1);
  }, 120_000);

  it('starts a scheduled send again, for the time left, when its workflow is gone', async () => {
    const { client } = stack.herald;
    await webhookFor('lost', 'reminder.lost');
    const deliverAt = inSeconds(8);
    const published = await client.events.publish.mutate({ type: 'reminder.lost', data: {}, deliverAt });
    const lost = await stack.herald.fanOut(published.id).workflowId();
    await stack.herald.temporalClient().workflow.getHandle(lost).terminate('lost, for the test');

    const restarted = await waitFor(async () => {
      const [row] = await deliveryRows(published.id);
      return row!.workflow_id !== lost ? row! : undefined;
    });
    expect(restarted.status).toBe('scheduled');
    const handle = stack.herald.temporalClient().workflow.getHandle(restarted.workflow_id!);
    // Handed over first, then started: the new workflow appears a moment later, waiting for the time left.
    await waitFor(async () => (await handle.describe()).status.name === 'RUNNING', { what: 'the new workflow' });
    const [request] = await stack.receiver.waitForRequests(1, {
      timeoutMs: 30_000,
      matching: (r) => r.path === '/lost',
    });
    expect(request!.receivedAt).toBeGreaterThanOrEqual(Date.parse(deliverAt));
    await handle.result();
    expect(received('lost')).toHaveLength(1);
    expect((await deliveryRows(published.id))[0]!.status).toBe('succeeded');
  }, 60_000);
});
