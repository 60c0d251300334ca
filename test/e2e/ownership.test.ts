import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createMetrics } from '../../server/metrics.js';
import { publishEvents } from '../../server/services/publish-event.js';
import { createWorkflowGateway, type WorkflowGateway } from '../../server/temporal/workflow-gateway.js';
import { capturedLogger } from '../support/captured-logger.js';
import { waitFor } from '../support/wait-for.js';
import { useStack } from '../support/stack.js';

/**
 * Who may attempt a delivery. The stack starts with the API only, so a test decides when a worker runs: workflows
 * are started and then sit on the task queue until then, which makes the interleavings below deterministic.
 */
const reconciler = { HERALD_RECONCILE_INTERVAL: '200ms', HERALD_RECONCILE_AFTER: '300ms' };

let gateway: WorkflowGateway;
const log = capturedLogger();
const metrics = createMetrics();
let worker: Promise<unknown> | undefined;
/** The stack's one worker, started when a test first needs it; its log lines and metrics are kept. */
const ensureWorker = () => (worker ??= stack.herald.startWorker({ logger: log.logger, metrics }));

const stack = useStack({ roles: ['api'], env: reconciler });
beforeAll(async () => {
  gateway = createWorkflowGateway({
    client: stack.herald.temporalClient(),
    taskQueue: stack.herald.config.temporal.taskQueue,
    policy: {
      retryScheduleMs: stack.herald.config.delivery.retryScheduleMs,
      attemptTimeoutMs: stack.herald.config.delivery.attemptTimeoutMs,
    },
    eagerStart: false,
  });
});

const requestsFor = (eventId: string) => stack.receiver.requests.filter((r) => JSON.parse(r.rawBody).id === eventId);

describe('delivery ownership', () => {
  it('delivers a retried publish whose first transaction rolled back after starting its workflow, exactly once', async () => {
    await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/rollback`,
      events: ['own.rollback'],
    });
    // The first publication starts its workflow and then dies before committing, as a process killed at that
    // moment would: the workflow exists, its deliveries never do.
    const crashing: WorkflowGateway = {
      ...gateway,
      startFanOut: async (scope, event) => {
        await gateway.startFanOut(scope, event);
        throw new Error('killed after the start, before the commit');
      },
    };
    const event = { id: 'evt_rolled_back', type: 'own.rollback', data: { n: 1 } };
    await expect(
      publishEvents({ db: stack.herald.db, workflows: crashing }, stack.herald.scope, [event]),
    ).rejects.toThrow(/killed after the start/);
    expect(await stack.herald.db.selectFrom('events').select('id').where('id', '=', event.id).execute()).toEqual([]);

    // The client retries with the same id: a new publication, acknowledged as new.
    const retried = await stack.herald.client.events.publish.mutate(event);
    expect(retried.duplicate).toBe(false);
    const deliveryId = retried.deliveries[0]!.id;

    // Both workflows run only now. The orphan owns nothing; the retry's workflow delivers.
    await ensureWorker();
    const delivery = await stack.herald.settled(deliveryId);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await stack.herald.fanOut(event.id).result()).toEqual({ deliveries: 1, succeeded: 1, failed: 0 });
    const orphans = stack.herald.temporalClient().workflow.list({ query: `HeraldEventId = "${event.id}"` });
    const results = [];
    for await (const execution of orphans)
      results.push(await stack.herald.temporalClient().workflow.getHandle(execution.workflowId).result());
    expect(results).toContainEqual({ deliveries: 0, succeeded: 0, failed: 0, rolledBack: true });
    expect(requestsFor(event.id)).toHaveLength(1);
  });

  it('restarts a pending delivery whose workflow was never started, and says so in the log and the metrics', async () => {
    await ensureWorker();
    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/orphan`, events: ['own.orphan'] });
    // The publication commits but its workflow never starts: the delivery is pending and nothing will attempt it.
    const lost: WorkflowGateway = { ...gateway, startFanOut: async () => undefined };
    const [published] = await publishEvents({ db: stack.herald.db, workflows: lost }, stack.herald.scope, [
      { type: 'own.orphan', data: { n: 2 } },
    ]);
    const deliveryId = published!.deliveries[0]!.id;
    const fanOutId = await stack.herald.fanOut(published!.event.id).workflowId();

    const delivery = await stack.herald.settled(deliveryId);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(requestsFor(published!.event.id)).toHaveLength(1);

    const row = await stack.herald.db
      .selectFrom('deliveries')
      .select('workflow_id')
      .where('id', '=', deliveryId)
      .executeTakeFirstOrThrow();
    expect(row.workflow_id).toBe(`resume:${deliveryId}:0`);
    const line = log.lines.find((l) => l.msg === 'pending delivery had no workflow working on it; restarted');
    expect(line).toMatchObject({
      deliveryId,
      eventId: published!.event.id,
      previousOwner: fanOutId,
      workflowId: row.workflow_id,
    });
    expect(await metrics.registry.getSingleMetricAsString('herald_reconciled_deliveries_total')).toContain(
      'herald_reconciled_deliveries_total{action="restarted"} 1',
    );
  });

  it('settles a test send that was interrupted before it recorded its result', async () => {
    await ensureWorker();
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/test-send`,
      events: ['own.test'],
    });
    const report = await stack.herald.client.webhooks.test.mutate({ id: hook.id });
    const deliveryId = report.tests[0]!.deliveryId;
    // As if the API process had died mid-send: the delivery is pending and overdue, with no workflow behind it.
    await sql`UPDATE deliveries SET status = 'pending', next_attempt_at = now() - interval '1 minute' WHERE id = ${deliveryId}`.execute(
      stack.herald.db,
    );

    const delivery = await waitFor(async () => {
      const d = await stack.herald.client.deliveries.get.query({ id: deliveryId });
      return d.status === 'failed' ? d : undefined;
    });
    expect(delivery.error).toBe('not sent: the test send was interrupted');
  });

  it('never lets a workflow attempt a delivery it does not own', async () => {
    await ensureWorker();
    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/owned`, events: ['own.owned'] });
    const published = await stack.herald.client.events.publish.mutate({ type: 'own.owned', data: { n: 4 } });
    const deliveryId = published.deliveries[0]!.id;
    await stack.herald.settled(deliveryId);
    // A second, stray fan-out for the same event (a different publication) finds nothing of its own to send.
    await gateway.startFanOut(stack.herald.scope, {
      id: published.id,
      type: 'own.owned',
      batches: [{ fromId: deliveryId, toId: deliveryId, count: 1 }],
      workflowId: `fan-out:stray:${published.id}`,
      webhookIds: [],
    });
    const stray = await stack.herald.temporalClient().workflow.getHandle(`fan-out:stray:${published.id}`).result();
    expect(stray).toEqual({ deliveries: 0, succeeded: 0, failed: 0, rolledBack: true });
    expect(requestsFor(published.id)).toHaveLength(1);
  });
});
