/**
 * How Herald treats endpoints: it listens to `Retry-After` within bounds, stops at `410 Gone`, warns about and then
 * disables an endpoint that keeps failing (announcing both through its own events, never to the endpoint itself),
 * parks deliveries while a webhook is paused or disabled, sends them in publish order at a bounded rate when it
 * comes back, and discards those past the bounds.
 */
import { describe, expect, it } from 'vitest';
import type { ReceivedRequest } from '../support/receiver.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

const stack = useStack({
  env: {
    // Short waits with a longer tail, so a bounded Retry-After is visible: 0.5 s scheduled, at most 1 s honoured.
    HERALD_RETRY_SCHEDULE: '0,500ms,4s,4s,4s',
    // Failing for 2 s disables a webhook, for 1 s warns; the sweep looks five times a second.
    HERALD_DISABLE_AFTER: '2s',
    HERALD_WARN_AFTER_SHARE: '0.5',
    HERALD_RECONCILE_INTERVAL: '200ms',
    HERALD_PARKED_MAX: '3',
    HERALD_DRAIN_RATE: '1',
  },
  receiver: (request) => behaviours.get(request.path.split('?')[0]!)?.(request) ?? { status: 200, body: 'OK' },
});

type Answer = { status: number; headers?: Record<string, string> };
const behaviours = new Map<string, (request: ReceivedRequest) => Answer>();

async function webhookAt(path: string, events: string[]) {
  return stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}${path}`, events });
}
const requestsTo = (path: string) => stack.receiver.requests.filter((r) => r.path === path);
const bodyOf = (request: ReceivedRequest) =>
  JSON.parse(request.rawBody) as { id: string; type: string; data: Record<string, unknown> };

async function publish(type: string, data: Record<string, unknown> = {}) {
  const published = await stack.herald.client.events.publish.mutate({ type, data });
  return published.deliveries[0]!.id;
}
async function statusBecomes(deliveryId: string, status: string) {
  return waitFor(
    async () => {
      const delivery = await stack.herald.client.deliveries.get.query({ id: deliveryId });
      return delivery.status === status ? delivery : undefined;
    },
    { what: `delivery ${deliveryId} to become ${status}` },
  );
}

describe('Retry-After', () => {
  it('is honoured on 503 within the bounds of the schedule, and the wait and its reason are logged', async () => {
    let calls = 0;
    behaviours.set('/busy', () => (++calls === 1 ? { status: 503, headers: { 'Retry-After': '1' } } : { status: 200 }));
    await webhookAt('/busy', ['ep.busy']);
    const deliveryId = await publish('ep.busy');
    const delivery = await statusBecomes(deliveryId, 'succeeded');
    const [first, second] = requestsTo('/busy');
    // The schedule alone would have come back after 0.5 s.
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(delivery.attemptLog[0]).toMatchObject({ statusCode: 503, waitMs: 1_000, waitReason: 'Retry-After: 1 s' });
    expect(delivery.attemptLog[1]).toMatchObject({ statusCode: 200, waitMs: null, waitReason: null });
  });

  it('asking for an hour gets at most twice the scheduled wait', async () => {
    let calls = 0;
    behaviours.set('/greedy', () =>
      ++calls === 1 ? { status: 429, headers: { 'Retry-After': '3600' } } : { status: 200 },
    );
    await webhookAt('/greedy', ['ep.greedy']);
    const delivery = await statusBecomes(await publish('ep.greedy'), 'succeeded');
    expect(delivery.attemptLog[0]).toMatchObject({
      statusCode: 429,
      waitMs: 1_000,
      waitReason: 'Retry-After: 3600 s, bounded by the schedule to 1 s',
    });
  });
});

describe('a retry that waits', () => {
  it('shows when the next attempt is due', async () => {
    behaviours.set('/later', () => ({ status: 500 }));
    await webhookAt('/later', ['ep.later']);
    const deliveryId = await publish('ep.later');
    // After the second attempt the schedule waits 4 s: long enough to see.
    const waiting = await waitFor(
      async () => {
        const delivery = await stack.herald.client.deliveries.get.query({ id: deliveryId });
        return delivery.attempts === 2 && delivery.attemptLog[1]?.completedAt ? delivery : undefined;
      },
      { what: `delivery ${deliveryId} to wait for its third attempt` },
    );
    expect(waiting.status).toBe('pending');
    const lastAttempt = waiting.attemptLog[1]!;
    const due = Date.parse(waiting.nextAttemptAt!);
    expect(due - Date.parse(lastAttempt.completedAt!)).toBeGreaterThanOrEqual(3_900);
    expect(due - Date.parse(lastAttempt.completedAt!)).toBeLessThanOrEqual(4_500);
    expect(lastAttempt).toMatchObject({ waitMs: 4_000, waitReason: 'schedule' });
  });
});

describe('410 Gone', () => {
  it('stops the delivery at once and disables the webhook, then announces it to the other webhooks', async () => {
    await webhookAt('/notices-gone', ['webhook.disabled']);
    behaviours.set('/gone', () => ({ status: 410 }));
    const gone = await webhookAt('/gone', ['ep.gone', 'webhook.disabled']);
    const delivery = await statusBecomes(await publish('ep.gone'), 'failed');
    expect(delivery.attemptLog).toHaveLength(1);
    expect(delivery.attemptLog[0]).toMatchObject({ statusCode: 410, waitReason: expect.stringMatching(/410/) });
    expect(await stack.herald.client.webhooks.get.query({ id: gone.id })).toMatchObject({ disabledReason: 'gone' });

    const [notice] = await stack.receiver.waitForRequests(1, {
      matching: (r) => r.path === '/notices-gone' && bodyOf(r).data.webhookId === gone.id,
    });
    expect(bodyOf(notice!)).toMatchObject({ type: 'webhook.disabled', data: { disabledReason: 'gone' } });
    // Never to the endpoint it is about, which subscribes to the notice too.
    expect(requestsTo('/gone').map((r) => bodyOf(r).type)).toEqual(['ep.gone']);
    // Announced once, and audited (an announcement that could not be recorded would repeat every sweep).
    await waitFor(
      async () => {
        const audit = await stack.herald.client.audit.list.query({ entityType: 'webhook', entityId: gone.id });
        return audit.data.some((e) => e.event === 'webhooks.disabled') || undefined;
      },
      { what: 'the disabling to be audited' },
    );

    // Events published meanwhile are parked, not lost.
    const parked = await publish('ep.gone', { after: 'gone' });
    expect((await stack.herald.client.deliveries.get.query({ id: parked })).status).toBe('parked');
  });
});

describe('an endpoint that keeps failing', () => {
  it('is warned about, then disabled and announced; enabling it sends what was parked', async () => {
    await webhookAt('/notices', ['webhook.failing', 'webhook.disabled']);
    let healed = false;
    behaviours.set('/failing', () => (healed ? { status: 200 } : { status: 500 }));
    const failing = await webhookAt('/failing', ['ep.failing', 'webhook.*']);
    const first = await publish('ep.failing', { n: 1 });

    const aboutIt = (r: ReceivedRequest) => r.path === '/notices' && bodyOf(r).data.webhookId === failing.id;
    const notices = await stack.receiver.waitForRequests(2, { matching: aboutIt, timeoutMs: 20_000 });
    expect(notices.map((r) => bodyOf(r).type)).toEqual(['webhook.failing', 'webhook.disabled']);
    expect(bodyOf(notices[1]!).data).toMatchObject({ disabledReason: 'failing', url: failing.url });
    expect(JSON.stringify(notices.map(bodyOf))).not.toContain('whsec_');
    const disabled = await stack.herald.client.webhooks.get.query({ id: failing.id });
    expect(disabled).toMatchObject({ disabledReason: 'failing', health: { failingSince: expect.any(String) } });
    expect(disabled.health.consecutiveFailures).toBeGreaterThanOrEqual(1);
    // Never told about itself (notices about other webhooks of the workspace may reach it).
    expect(requestsTo('/failing').filter((r) => bodyOf(r).data.webhookId === failing.id)).toEqual([]);

    // The delivery that was retrying is parked with the webhook, and so is a new one.
    await statusBecomes(first, 'parked');
    const second = await publish('ep.failing', { n: 2 });
    expect((await stack.herald.client.deliveries.get.query({ id: second })).status).toBe('parked');

    healed = true;
    const enabled = await stack.herald.client.webhooks.enable.mutate({ id: failing.id });
    expect(enabled).toMatchObject({ disabledReason: null, health: { failingSince: null, consecutiveFailures: 0 } });
    await statusBecomes(first, 'succeeded');
    await statusBecomes(second, 'succeeded');
    const audit = await stack.herald.client.audit.list.query({ entityType: 'webhook', entityId: failing.id });
    expect(audit.data.map((e) => e.event)).toEqual(
      expect.arrayContaining(['webhooks.failing', 'webhooks.disabled', 'webhooks.enable']),
    );
  });
});

describe('pausing', () => {
  it('parks deliveries, and resuming sends them in publish order at the drain rate', async () => {
    const hook = await webhookAt('/paused', ['ep.paused']);
    const paused = await stack.herald.client.webhooks.pause.mutate({ id: hook.id });
    expect(paused.paused).toBe(true);
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push(await publish('ep.paused', { n }));
    for (const id of ids) expect((await stack.herald.client.deliveries.get.query({ id })).status).toBe('parked');
    expect(requestsTo('/paused')).toHaveLength(0);

    await stack.herald.client.webhooks.resume.mutate({ id: hook.id });
    for (const id of ids) await statusBecomes(id, 'succeeded');
    const sent = requestsTo('/paused');
    expect(sent.map((r) => bodyOf(r).data.n)).toEqual([0, 1, 2]);
    // One a second: three cannot all leave within two seconds.
    expect(sent[2]!.receivedAt - sent[0]!.receivedAt).toBeGreaterThanOrEqual(1_900);
  });

  it('discards the oldest parked deliveries beyond the bound, saying why', async () => {
    const hook = await webhookAt('/overflow', ['ep.overflow']);
    await stack.herald.client.webhooks.pause.mutate({ id: hook.id });
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await publish('ep.overflow', { n }));
    for (const id of ids.slice(0, 2)) {
      const discarded = await statusBecomes(id, 'discarded');
      expect(discarded.error).toMatch(/more than 3 deliveries were parked/);
    }
    for (const id of ids.slice(2))
      expect((await stack.herald.client.deliveries.get.query({ id })).status).toBe('parked');
    await stack.herald.client.webhooks.resume.mutate({ id: hook.id });
    for (const id of ids.slice(2)) await statusBecomes(id, 'succeeded');
    expect(requestsTo('/overflow').map((r) => bodyOf(r).data.n)).toEqual([2, 3, 4]);
  });
});
