import { expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { useStack } from '../support/stack.js';

// Deliberately not a backoff curve: long, short, long, short. Only following the table gives these gaps.
const scheduleMs = [0, 600, 150, 900, 150];
// Scheduling slack: a worker task and a server timer on a busy 2-core machine, never an early retry.
const slackMs = 700;

const stack = useStack({
  env: { HERALD_RETRY_SCHEDULE: scheduleMs.map((ms) => `${ms}ms`).join(',') },
  receiver: () => ({ status: 500 }),
});

it('waits the configured delay before each retry, as recorded by the receiver and in the attempt log', async () => {
  await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/timing`, events: ['schedule.test'] });
  const published = await stack.herald.client.events.publish.mutate({ type: 'schedule.test', data: {} });
  const delivery = await waitFor(async () => {
    const d = await stack.herald.client.deliveries.get.query({ id: published.deliveries[0]!.id });
    return d.status === 'failed' ? d : undefined;
  });

  expect(stack.receiver.requests).toHaveLength(scheduleMs.length);
  const arrivals = stack.receiver.requests.map((r) => r.receivedAt);
  const requested = delivery.attemptLog.map((a) => Date.parse(a.requestedAt));
  for (const times of [arrivals, requested]) {
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    gaps.forEach((gap, i) => {
      const wanted = scheduleMs[i + 1]!;
      expect(gap, `gap before attempt ${i + 2}`).toBeGreaterThanOrEqual(wanted - 5);
      expect(gap, `gap before attempt ${i + 2}`).toBeLessThan(wanted + slackMs);
    });
  }
});
