import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { beginAttempts } from '../../server/db/queries/delivery-attempts.js';
import { useStack } from '../support/stack.js';

/**
 * The queue of a rate-limited webhook, statement by statement (no workflow: the rows are written by hand, and the
 * statement that starts attempts is called directly). A waiter that comes back after its slot, to find its token
 * taken by another, must go to the back of the queue, to a slot nobody else holds: sent to "the next token", it
 * would race the waiter that token was promised to at every token, and a waiter that is always a little slower
 * than the others would lose every race for as long as the queue lasts.
 */
const stack = useStack();
const RATE = 10;

async function waiter(args: { id: string; dueInMs: number; queueEndsInMs: number; adaptive?: boolean }) {
  const { db } = stack.herald;
  const hook = await stack.herald.client.webhooks.create.mutate({
    url: `${stack.receiver.url}/queue/${args.id}`,
    events: ['rate.queue'],
    ...(args.adaptive ? {} : { rateLimit: { perSecond: RATE, burst: 1 } }),
  });
  // A rate Herald adapted to, rather than one configured: the same bucket, and a queue of bounded reach.
  if (args.adaptive) {
    await sql`UPDATE webhooks SET adaptive_per_second = ${RATE}, adaptive_since = now() WHERE id = ${hook.id}`.execute(
      db,
    );
    await sql`INSERT INTO webhook_rate_buckets (webhook_id, tokens) VALUES (${hook.id}, 0)`.execute(db);
  }
  const eventId = `evt_queue_${args.id}`;
  await sql`INSERT INTO events (workspace_id, mode, id, type, payload)
            VALUES ('ws_default', 'live', ${eventId}, 'rate.queue', '{}')`.execute(db);
  await sql`INSERT INTO deliveries (workspace_id, mode, id, event_id, event_type, webhook_id, status, workflow_id,
                                    next_attempt_at, rate_waiting_since)
            VALUES ('ws_default', 'live', ${`del_queue_${args.id}`}, ${eventId}, 'rate.queue', ${hook.id}, 'pending',
                    'test-owner', now() + ${args.dueInMs} * interval '1 ms', now() - interval '5 s')`.execute(db);
  // The bucket is empty, and waiters ahead hold every slot until the queue's end.
  await sql`UPDATE webhook_rate_buckets SET tokens = 0, refilled_at = clock_timestamp(),
              next_wake_at = clock_timestamp() + ${args.queueEndsInMs} * interval '1 ms'
            WHERE webhook_id = ${hook.id}`.execute(db);
  const begun = await beginAttempts(
    db,
    {
      scope: { workspaceId: 'ws_default', mode: 'live' },
      eventId,
      fromId: `del_queue_${args.id}`,
      toId: `del_queue_${args.id}`,
      owner: 'test-owner',
    },
    'scheduled',
    1,
    10_000,
  );
  const bucket = await sql<{ queue_ends_in_ms: number }>`
    SELECT extract(epoch FROM next_wake_at - clock_timestamp()) * 1000 AS queue_ends_in_ms
      FROM webhook_rate_buckets WHERE webhook_id = ${hook.id}`.execute(db);
  return { begun: begun!, queueEndsInMs: Number(bucket.rows[0]!.queue_ends_in_ms) };
}

describe('rate-limit queue', () => {
  it('sends a waiter that lost its token to the back of the queue, not into a race for the next token', async () => {
    // Its slot passed 50 ms ago; another waiter took that token; ten more hold the next second.
    const { begun, queueEndsInMs } = await waiter({ id: 'late', dueInMs: -50, queueEndsInMs: 1_000 });
    expect(begun.attempts).toEqual([]);
    expect(begun.throttled).toHaveLength(1);
    // Behind the last slot handed out (1 s away, plus one slot), not at the next token (100 ms away)...
    expect(begun.throttled[0]!.waitMs).toBeGreaterThan(1_000);
    // ...and that slot is its own: the queue's end moved past it.
    expect(queueEndsInMs).toBeGreaterThan(1_000);
  });

  it('sends rather than queues past an adaptive rate’s reach, and keeps a configured limit’s queue however long', async () => {
    // A minute of queue: slots handed out while the rate was low (the endpoint was down) must not hold this one.
    const adaptive = await waiter({ id: 'adaptive-far', dueInMs: -50, queueEndsInMs: 60_000, adaptive: true });
    expect(adaptive.begun.attempts).toHaveLength(1);
    expect(adaptive.begun.throttled).toEqual([]);
    // It took no token and no slot.
    expect(adaptive.queueEndsInMs).toBeLessThanOrEqual(60_000);
    expect(adaptive.queueEndsInMs).toBeGreaterThan(55_000);
    const configured = await waiter({ id: 'configured-far', dueInMs: -50, queueEndsInMs: 60_000 });
    expect(configured.begun.attempts).toEqual([]);
    expect(configured.begun.throttled[0]!.waitMs).toBeGreaterThan(60_000);
  });

  it('lets a waiter back a little before its slot keep it', async () => {
    const { begun, queueEndsInMs } = await waiter({ id: 'early', dueInMs: 80, queueEndsInMs: 1_000 });
    expect(begun.throttled).toHaveLength(1);
    expect(begun.throttled[0]!.waitMs).toBeLessThanOrEqual(80);
    expect(queueEndsInMs).toBeLessThanOrEqual(1_000);
  });
});
