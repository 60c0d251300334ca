import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { useStack } from '../support/stack.js';

/**
 * Two attempts at one delivery must never overlap, and the schedule must hold whatever the load. The first
 * attempts run in a local activity that Temporal starts again when it outlives its time limit, while the first run
 * may still be sending; these tests make that happen on purpose.
 */
const env = { HERALD_ATTEMPT_TIMEOUT: '1s', HERALD_RETRY_SCHEDULE: '0,1h', HERALD_MAX_CONNECTIONS_PER_ORIGIN: '8' };

const stack = useStack({ env });

describe('attempt leases', () => {
  it('sends once when the first-attempt batch outlives its time limit while Postgres is locked', async () => {
    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/locked`, events: ['lease.locked'] });
    const locker = new pg.Client({ connectionString: stack.herald.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      // Blocks every statement that records an attempt, as a busy or locked database would.
      await locker.query('LOCK TABLE delivery_attempts IN SHARE ROW EXCLUSIVE MODE');
      const published = await stack.herald.client.events.publish.mutate({ type: 'lease.locked', data: { n: 1 } });
      // Hold the lock until the batch has timed out and been started again: two runs now wait on it.
      await waitFor(
        async () => {
          const { rows } = await locker.query<{ waiting: number }>(
            `SELECT count(*)::int AS waiting FROM pg_locks WHERE relation = 'delivery_attempts'::regclass AND NOT granted`,
          );
          return rows[0]!.waiting >= 2;
        },
        { timeoutMs: 40_000, intervalMs: 100, what: 'a second run of the first-attempt batch to wait on the lock' },
      );
      await locker.query('COMMIT');

      const delivery = await stack.herald.settled(published.deliveries[0]!.id);
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(delivery.attemptLog.map((a) => [a.attemptNumber, a.outcome])).toEqual([[1, 'succeeded']]);
      expect(await stack.herald.fanOut(published.id).result()).toEqual({ deliveries: 1, succeeded: 1, failed: 0 });
      expect(stack.receiver.requests.filter((r) => r.path === '/locked')).toHaveLength(1);
    } finally {
      await locker.end();
    }
  });

  it('cuts every request off at the timeout, records it within the timeout, and never sends what cannot finish in time', async () => {
    const count = 30;
    const path = '/trickle';
    // Answers at once, then trickles its body for a minute: only the attempt timeout ends these requests. With 8
    // connections to this one endpoint, the batch is far slower than one attempt timeout.
    stack.receiver.behave((request) => (request.path === path ? { status: 200, trickleMs: 60_000 } : { status: 200 }));
    for (let i = 0; i < count; i++)
      await stack.herald.client.webhooks.create.mutate({
        url: `${stack.receiver.url}${path}`,
        events: ['lease.trickle'],
      });
    const published = await stack.herald.client.events.publish.mutate({ type: 'lease.trickle', data: { n: 2 } });
    expect(published.deliveries).toHaveLength(count);

    const attempts = await waitFor(async () => {
      const rows = await stack.herald.db
        .selectFrom('delivery_attempts')
        .innerJoin('deliveries', 'deliveries.id', 'delivery_attempts.delivery_id')
        .select([
          'delivery_attempts.delivery_id',
          'delivery_attempts.outcome',
          'delivery_attempts.duration_ms',
          'delivery_attempts.error',
        ])
        .where('deliveries.event_id', '=', published.id)
        .execute();
      return rows.length === count && rows.every((r) => r.outcome !== 'in_flight') ? rows : undefined;
    });
    expect(new Set(attempts.map((a) => a.delivery_id)).size).toBe(count);
    const sent = attempts.filter((a) => a.error?.startsWith('timeout'));
    const notSent = attempts.filter((a) =>
      a.error?.startsWith('not sent: all 8 connections to this endpoint stayed busy'),
    );
    expect(sent.length + notSent.length).toBe(count);
    expect(sent.length).toBeGreaterThanOrEqual(8);
    for (const attempt of attempts) {
      expect(attempt.outcome).toBe('failed');
      expect(attempt.duration_ms).toBeLessThanOrEqual(1_000);
    }
    // What the receiver saw is exactly what was recorded as sent: no request went out unrecorded or twice.
    const received = stack.receiver.requests.filter((r) => r.path === path);
    expect(received).toHaveLength(sent.length);
    const deliveries = await stack.herald.client.deliveries.list.query({ eventId: published.id, limit: 100 });
    expect(deliveries.data.every((d) => d.status === 'pending' && d.attempts === 1)).toBe(true);
    // Every delivery now waits an hour for its second attempt, in the still-running workflow.
    expect((await stack.herald.fanOut(published.id).describe()).status.name).toBe('RUNNING');
  });
});
