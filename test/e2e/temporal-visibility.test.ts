/**
 * What an operator sees in the Temporal UI: "every failed fan-out to webhook X" is one visibility query, and a
 * retrying delivery's activity and timer say which endpoint and which attempt they are.
 */
import { describe, expect, it } from 'vitest';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

const stack = useStack({
  receiver: (request) => (request.path === '/down' ? { status: 503 } : { status: 200, body: 'OK' }),
});

async function webhookAt(path: string, events: string[]) {
  return stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}${path}`, events });
}

/** The ids of the workflows a visibility query finds, once it finds `count` (visibility lags a little). */
async function workflowsMatching(query: string, count: number): Promise<string[]> {
  return waitFor(
    async () => {
      const ids: string[] = [];
      for await (const workflow of stack.herald.temporalClient().workflow.list({ query }))
        ids.push(workflow.workflowId);
      return ids.length >= count ? ids.sort() : undefined;
    },
    { what: `${count} workflows matching ${query}` },
  );
}

describe('search attributes', () => {
  it('find the fan-outs of one webhook by outcome', async () => {
    const down = await webhookAt('/down', ['vis.order']);
    const up = await webhookAt('/up', ['vis.order', 'vis.other']);
    const failedFor = await stack.herald.client.events.publish.mutate({ type: 'vis.order', data: { n: 1 } });
    const delivered = await stack.herald.client.events.publish.mutate({ type: 'vis.other', data: { n: 2 } });
    expect(await stack.herald.fanOut(failedFor.id).result()).toEqual({ deliveries: 2, succeeded: 1, failed: 1 });
    expect(await stack.herald.fanOut(delivered.id).result()).toEqual({ deliveries: 1, succeeded: 1, failed: 0 });
    const failedId = await stack.herald.fanOut(failedFor.id).workflowId();
    const deliveredId = await stack.herald.fanOut(delivered.id).workflowId();

    expect(await workflowsMatching(`HeraldWebhookIds = '${down.id}'`, 1)).toEqual([failedId]);
    expect(await workflowsMatching(`HeraldWebhookIds = '${up.id}'`, 2)).toEqual([failedId, deliveredId].sort());
    expect(await workflowsMatching(`HeraldWebhookIds = '${up.id}' AND HeraldOutcome = 'partly-failed'`, 1)).toEqual([
      failedId,
    ]);
    expect(await workflowsMatching(`HeraldWebhookIds = '${up.id}' AND HeraldOutcome = 'delivered'`, 1)).toEqual([
      deliveredId,
    ]);
  });

  it('name the endpoint and the attempt in the summaries of timers and activities', async () => {
    const down = await webhookAt('/down', ['vis.summary']);
    const published = await stack.herald.client.events.publish.mutate({ type: 'vis.summary', data: {} });
    await stack.herald.fanOut(published.id).result();
    const history = await stack.herald
      .temporalClient()
      .workflow.getHandle(await stack.herald.fanOut(published.id).workflowId())
      .fetchHistory();
    const summaries = (history.events ?? [])
      .map((event) => event.userMetadata?.summary?.data)
      .filter((data): data is Uint8Array => data != null)
      .map((data) => JSON.parse(Buffer.from(data).toString('utf8')) as string);
    expect(summaries).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^wait .+ before attempt 2 of 5$/),
        expect.stringMatching(new RegExp(`^attempt 2–5 of 5 → .*(${down.id}|/down)`)),
      ]),
    );
  });
});

describe('routine delivery failures', () => {
  it('reach Temporal as one line without a stack trace', async () => {
    await webhookAt('/down', ['vis.routine']);
    const published = await stack.herald.client.events.publish.mutate({ type: 'vis.routine', data: {} });
    await stack.herald.fanOut(published.id).result();
    const handle = stack.herald
      .temporalClient()
      .workflow.getHandle(await stack.herald.fanOut(published.id).workflowId());
    const failures = ((await handle.fetchHistory()).events ?? []).flatMap((event) =>
      event.activityTaskFailedEventAttributes?.failure ? [event.activityTaskFailedEventAttributes.failure] : [],
    );
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.message).toMatch(/HTTP 503/);
      expect(failure.message).not.toContain('\n');
      expect(failure.stackTrace ?? '').not.toMatch(/\n| {4}at /);
    }
  });
});
