/**
 * Retention that really deletes: the reconciler's cleanup removes events past their workspace's window with their
 * deliveries and attempts, and old audit entries, while everything inside the window, and every delivery still
 * waiting on a retry or parked, stays. Past the shorter payload window only the payloads and response excerpts go.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { idFloorAt } from '../../server/db/ids.js';
import { workspaceWithKey } from '../support/keys.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

const stack = useStack({
  env: {
    // A failed first attempt waits an hour for its retry: pending for the whole test.
    HERALD_RETRY_SCHEDULE: '0,1h,1h,1h,1h',
    HERALD_RECONCILE_INTERVAL: '200ms',
    // Payloads go after 20 days, the rows after 30.
    HERALD_PAYLOAD_RETENTION: '20d',
  },
  receiver: (request) =>
    request.path === '/down'
      ? { status: 503 }
      : request.path === '/gone'
        ? { status: 410, body: 'customer secret in a 410 body' }
        : { status: 200, body: 'OK' },
});

const DAY = 86_400_000;

/** Moves an event, its deliveries and their attempts `days` into the past. */
async function age(eventId: string, days: number) {
  const at = new Date(Date.now() - days * DAY);
  await sql`UPDATE events SET created_at = ${at} WHERE id = ${eventId}`.execute(stack.herald.db);
  await sql`UPDATE deliveries SET created_at = ${at} WHERE event_id = ${eventId}`.execute(stack.herald.db);
}

async function rowsOf(eventId: string) {
  const [events, deliveries, attempts] = await Promise.all([
    sql<{ n: string }>`SELECT count(*) AS n FROM events WHERE id = ${eventId}`.execute(stack.herald.db),
    sql<{ n: string }>`SELECT count(*) AS n FROM deliveries WHERE event_id = ${eventId}`.execute(stack.herald.db),
    sql<{ n: string }>`SELECT count(*) AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                         WHERE d.event_id = ${eventId}`.execute(stack.herald.db),
  ]);
  return {
    events: Number(events.rows[0]!.n),
    deliveries: Number(deliveries.rows[0]!.n),
    attempts: Number(attempts.rows[0]!.n),
  };
}

async function settledEvent(client: typeof stack.herald.client, type: string, id: string) {
  const published = await client.events.publish.mutate({ id, type, data: { id } });
  for (const { id: deliveryId } of published.deliveries)
    await waitFor(
      async () => (await client.deliveries.get.query({ id: deliveryId })).status === 'succeeded' || undefined,
      { what: `delivery ${deliveryId} to succeed` },
    );
  return published;
}

describe('retention', () => {
  it('deletes exactly what is past each window, keeping deliveries that still wait', async () => {
    await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/up`,
      events: ['keep.old', 'keep.recent'],
    });
    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/down`, events: ['keep.waiting'] });
    // A second workspace that keeps a week (parked deliveries are discarded after 14 days, so only a window shorter
    // than that can meet one).
    const shortLived = await workspaceWithKey(stack.herald, 'keeps a week');
    await stack.herald.client.workspaces.update.mutate({ id: shortLived.workspaceId, retentionDays: 7 });
    await shortLived.client.webhooks.create.mutate({ url: `${stack.receiver.url}/short`, events: ['keep.short'] });
    const paused = await shortLived.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/paused`,
      events: ['keep.parked'],
    });
    await shortLived.client.webhooks.pause.mutate({ id: paused.id });

    await settledEvent(stack.herald.client, 'keep.old', 'evt_ret_old');
    await settledEvent(stack.herald.client, 'keep.recent', 'evt_ret_recent');
    const waiting = await stack.herald.client.events.publish.mutate({
      id: 'evt_ret_waiting',
      type: 'keep.waiting',
      data: {},
    });
    await waitFor(
      async () =>
        (await stack.herald.client.deliveries.get.query({ id: waiting.deliveries[0]!.id })).attempts === 1 || undefined,
      { what: 'the first attempt of the waiting event' },
    );
    await shortLived.client.events.publish.mutate({ id: 'evt_ret_parked', type: 'keep.parked', data: {} });
    await settledEvent(shortLived.client, 'keep.short', 'evt_ret_week_old');
    await settledEvent(shortLived.client, 'keep.short', 'evt_ret_days_old');
    // Before they age: the rows the cleanup must delete exist (the sweep may run the moment they are old).
    const before = { old: await rowsOf('evt_ret_old'), weekOld: await rowsOf('evt_ret_week_old') };
    expect(before.old).toEqual({ events: 1, deliveries: 1, attempts: 1 });
    expect(before.weekOld).toEqual({ events: 1, deliveries: 1, attempts: 1 });
    for (const { id, days } of [
      { id: 'evt_ret_old', days: 31 },
      { id: 'evt_ret_recent', days: 29 },
      { id: 'evt_ret_waiting', days: 40 },
      { id: 'evt_ret_parked', days: 10 },
      { id: 'evt_ret_week_old', days: 8 },
      { id: 'evt_ret_days_old', days: 6 },
    ])
      await age(id, days);
    // An audit entry from more than a year ago, and one from last month.
    const oldAudit = idFloorAt('audit', new Date(Date.now() - 400 * DAY));
    const monthAudit = idFloorAt('audit', new Date(Date.now() - 30 * DAY));
    for (const id of [oldAudit, monthAudit])
      await sql`INSERT INTO audit_log (id, workspace_id, mode, occurred_at, actor_id, action, entity_type, entity_id, diff)
                VALUES (${id}, 'ws_default', NULL, now(), NULL, 'test.old', 'test', ${id}, '{}')`.execute(
        stack.herald.db,
      );

    await waitFor(
      async () => {
        const [old, weekOld, audit] = await Promise.all([
          rowsOf('evt_ret_old'),
          rowsOf('evt_ret_week_old'),
          sql`SELECT 1 FROM audit_log WHERE id = ${oldAudit}`.execute(stack.herald.db),
        ]);
        return old.events + weekOld.events + audit.rows.length === 0 || undefined;
      },
      { what: 'the cleanup to delete what is past its window' },
    );
    expect(await rowsOf('evt_ret_old')).toEqual({ events: 0, deliveries: 0, attempts: 0 });
    expect(await rowsOf('evt_ret_week_old')).toEqual({ events: 0, deliveries: 0, attempts: 0 });
    expect(await rowsOf('evt_ret_recent')).toEqual({ events: 1, deliveries: 1, attempts: 1 });
    expect(await rowsOf('evt_ret_days_old')).toEqual({ events: 1, deliveries: 1, attempts: 1 });
    expect(await rowsOf('evt_ret_waiting')).toMatchObject({ events: 1, deliveries: 1, attempts: 1 });
    // Past the payload window too, but still waiting on a retry: it keeps what it has to send.
    const stillWaiting = await stack.herald.client.deliveries.get.query({ id: waiting.deliveries[0]!.id });
    expect(stillWaiting).toMatchObject({ payload: {}, payloadExpired: false });
    expect(await rowsOf('evt_ret_parked')).toMatchObject({ events: 1, deliveries: 1, attempts: 0 });
    expect((await sql`SELECT 1 FROM audit_log WHERE id = ${monthAudit}`.execute(stack.herald.db)).rows).toHaveLength(1);

    const metrics = await (await fetch(`${stack.herald.url}/metrics`)).text();
    expect(metrics).toMatch(/herald_retention_deleted_rows_total\{table="events"\} [1-9]/);
    expect(metrics).toMatch(/herald_retention_deleted_rows_total\{table="audit_log"\} [1-9]/);
  });

  it('drops payloads and response excerpts past the shorter window, keeping what proves what happened', async () => {
    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/up`, events: ['payload.*'] });
    const gone = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/gone`,
      events: ['payload.refused'],
    });
    const expired = await settledEvent(stack.herald.client, 'payload.expired', 'evt_pay_expired');
    const kept = await settledEvent(stack.herald.client, 'payload.kept', 'evt_pay_kept');
    // 410 Gone fails the delivery for good and disables the webhook; enabled again, only the payload stands in the
    // way of a retry.
    const refused = await stack.herald.client.events.publish.mutate({
      id: 'evt_pay_refused',
      type: 'payload.refused',
      data: { card: '4242' },
    });
    const refusedId = refused.deliveries.find((d) => d.webhookId === gone.id)!.id;
    await waitFor(
      async () => (await stack.herald.client.deliveries.get.query({ id: refusedId })).status === 'failed' || undefined,
      { what: 'the delivery to a 410 endpoint to fail' },
    );
    await stack.herald.client.webhooks.enable.mutate({ id: gone.id });
    // A workspace with windows of its own: rows for 10 days, payloads for 3.
    const own = await workspaceWithKey(stack.herald, 'keeps payloads 3 days');
    await stack.herald.client.workspaces.update.mutate({
      id: own.workspaceId,
      retentionDays: 10,
      payloadRetentionDays: 3,
    });
    await own.client.webhooks.create.mutate({ url: `${stack.receiver.url}/own`, events: ['own.*'] });
    const ownExpired = await settledEvent(own.client, 'own.expired', 'evt_pay_own_expired');
    const ownKept = await settledEvent(own.client, 'own.kept', 'evt_pay_own_kept');
    for (const { id, days } of [
      { id: 'evt_pay_expired', days: 25 },
      { id: 'evt_pay_refused', days: 25 },
      { id: 'evt_pay_kept', days: 15 },
      { id: 'evt_pay_own_expired', days: 5 },
      { id: 'evt_pay_own_kept', days: 2 },
    ])
      await age(id, days);

    const payloadOf = (id: string) =>
      sql<{ payload: unknown }>`SELECT payload FROM events WHERE id = ${id}`
        .execute(stack.herald.db)
        .then((r) => r.rows[0]?.payload);
    await waitFor(
      async () =>
        ((await payloadOf('evt_pay_expired')) === null &&
          (await payloadOf('evt_pay_refused')) === null &&
          (await payloadOf('evt_pay_own_expired')) === null) ||
        undefined,
      { what: 'the cleanup to drop the payloads past their window' },
    );
    // The rows stay, with everything but the customer's data.
    expect(await rowsOf('evt_pay_expired')).toEqual({ events: 1, deliveries: 1, attempts: 1 });
    const dropped = await stack.herald.client.deliveries.get.query({ id: expired.deliveries[0]!.id });
    expect(dropped).toMatchObject({ status: 'succeeded', statusCode: 200, payload: null, payloadExpired: true });
    expect(dropped.attemptLog).toEqual([
      expect.objectContaining({ outcome: 'succeeded', statusCode: 200, responseExcerpt: null }),
    ]);
    expect(dropped.attemptLog[0]!.durationMs).not.toBeNull();
    const ownDropped = await own.client.deliveries.get.query({ id: ownExpired.deliveries[0]!.id });
    expect(ownDropped).toMatchObject({ payload: null, payloadExpired: true });
    // Inside their windows, untouched.
    expect(await stack.herald.client.deliveries.get.query({ id: kept.deliveries[0]!.id })).toMatchObject({
      payload: { id: 'evt_pay_kept' },
      payloadExpired: false,
      attemptLog: [expect.objectContaining({ responseExcerpt: 'OK' })],
    });
    expect(await own.client.deliveries.get.query({ id: ownKept.deliveries[0]!.id })).toMatchObject({
      payload: { id: 'evt_pay_own_kept' },
      payloadExpired: false,
    });
    // Nothing is left to send, and the answer says so.
    const retry = await fetch(`${stack.herald.url}/v1/deliveries/${refusedId}/retry`, {
      method: 'POST',
      headers: { 'x-api-key': stack.herald.adminKey },
    });
    expect(retry.status).toBe(409);
    expect(await retry.json()).toEqual({
      error: { code: 'CONFLICT', message: expect.stringContaining("its event's payload is past the retention window") },
    });
    expect((await stack.herald.client.deliveries.get.query({ id: refusedId })).status).toBe('failed');
    // Publishing the same id again still answers the first publication.
    const again = await stack.herald.client.events.publish.mutate({
      id: 'evt_pay_expired',
      type: 'payload.expired',
      data: { id: 'evt_pay_expired' },
    });
    expect(again.duplicate).toBe(true);

    const metrics = await (await fetch(`${stack.herald.url}/metrics`)).text();
    expect(metrics).toMatch(/herald_retention_payloads_dropped_total [1-9]/);
  });

  it('settles, without sending, a delivery whose payload was dropped while it was being reopened', async () => {
    // The cleanup keeps the payload of a parked delivery; this stands for it losing a race with a retry or a drain.
    const webhook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/raced`,
      events: ['payload.raced'],
    });
    await stack.herald.client.webhooks.pause.mutate({ id: webhook.id });
    const published = await stack.herald.client.events.publish.mutate({
      id: 'evt_pay_raced',
      type: 'payload.raced',
      data: {},
    });
    await sql`UPDATE events SET payload = NULL WHERE id = 'evt_pay_raced'`.execute(stack.herald.db);
    await stack.herald.client.webhooks.resume.mutate({ id: webhook.id });
    const settled = await waitFor(
      async () => {
        const delivery = await stack.herald.client.deliveries.get.query({ id: published.deliveries[0]!.id });
        return delivery.status === 'failed' ? delivery : undefined;
      },
      { what: 'the drained delivery to settle' },
    );
    expect(settled).toMatchObject({ error: expect.stringContaining('past its retention window'), attemptLog: [] });
    expect(stack.receiver.requests.filter((r) => r.path === '/raced')).toEqual([]);
  });

  it('is set per workspace through the API, within bounds, and audited', async () => {
    const { workspaceId } = stack.herald.scope;
    const updated = await stack.herald.client.workspaces.update.mutate({ id: workspaceId, retentionDays: 90 });
    expect(updated.retentionDays).toBe(90);
    await expect(stack.herald.client.workspaces.update.mutate({ id: workspaceId, retentionDays: 0 })).rejects.toThrow(
      /retentionDays/,
    );
    await expect(
      stack.herald.client.workspaces.update.mutate({ id: workspaceId, payloadRetentionDays: 91 }),
    ).rejects.toThrow(/payloadRetentionDays: must not be more than the workspace's retentionDays \(90\)/);
    const shorter = await stack.herald.client.workspaces.update.mutate({ id: workspaceId, payloadRetentionDays: 14 });
    expect(shorter).toMatchObject({ retentionDays: 90, payloadRetentionDays: 14 });
    const reset = await stack.herald.client.workspaces.update.mutate({
      id: workspaceId,
      retentionDays: null,
      payloadRetentionDays: null,
    });
    expect(reset).toMatchObject({ retentionDays: null, payloadRetentionDays: null });
    const audit = await stack.herald.client.audit.list.query({ event: 'workspaces.update', entityId: workspaceId });
    expect(JSON.stringify(audit.data[1]?.diff)).toContain('"payloadRetentionDays":14');
    expect(JSON.stringify(audit.data[2]?.diff)).toContain('"retentionDays":90');
  });
});
