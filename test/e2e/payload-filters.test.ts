/**
 * Payload filters end to end: a filtered webhook gets only the events that pass its filter, decided at publish, so
 * the others leave no delivery row and their fan-out never names the webhook; an unfiltered webhook on the same
 * receiver gets everything. Invalid filters and fields the catalog's schema lacks are refused with every invalid
 * part named.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PayloadFilter } from '../../server/db/payload-filter.js';
import { workspaceWithKey } from '../support/keys.js';
import { type CliResult, runHerald } from '../support/herald-cli.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

const stack = useStack();

const bigEuroOrders: PayloadFilter = {
  and: [
    { field: 'data.amount', gte: 100 },
    { field: 'data.currency', in: ['EUR', 'USD'] },
    { not: { field: 'data.test', eq: true } },
    { field: 'data.customer.id', exists: true },
  ],
};

/** A REST call with the admin key (or another), its status and parsed body. */
async function rest(method: string, route: string, body: unknown, apiKey = stack.herald.adminKey) {
  const response = await fetch(`${stack.herald.url}/v1${route}`, {
    method,
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const issuesOf = (body: any) =>
  (body.error.issues as Array<{ path: string; message: string }>).map((issue) => [issue.path, issue.message]);

describe('payload filters', () => {
  it('deliver to a filtered webhook only the events that pass, creating no delivery for the others', async () => {
    const { client } = stack.herald;
    const all = await client.webhooks.create.mutate({ url: `${stack.receiver.url}/all`, events: ['shop.order'] });
    const filtered = await client.webhooks.create.mutate({
      url: `${stack.receiver.url}/filtered`,
      events: ['shop.order'],
      filter: bigEuroOrders,
    });
    expect(filtered.filter).toEqual(bigEuroOrders);
    expect(all.filter).toBeNull();
    expect((await client.webhooks.get.query({ id: filtered.id })).filter).toEqual(bigEuroOrders);
    const listed = (await client.webhooks.list.query({ limit: 100 })).data;
    expect(listed.find((w) => w.id === filtered.id)!.filter).toEqual(bigEuroOrders);

    const customer = { id: 'cus_1' };
    const matching = [
      { id: 'pf_match_1', type: 'shop.order', data: { amount: 100, currency: 'EUR', customer } },
      { id: 'pf_match_2', type: 'shop.order', data: { amount: 2500.5, currency: 'USD', customer, test: false } },
    ];
    const others = [
      { id: 'pf_small', type: 'shop.order', data: { amount: 99, currency: 'EUR', customer } },
      { id: 'pf_pounds', type: 'shop.order', data: { amount: 500, currency: 'GBP', customer } },
      { id: 'pf_test', type: 'shop.order', data: { amount: 500, currency: 'EUR', customer, test: true } },
      { id: 'pf_anonymous', type: 'shop.order', data: { amount: 500, currency: 'EUR' } },
      { id: 'pf_text_amount', type: 'shop.order', data: { amount: '500', currency: 'EUR', customer } },
    ];
    // One at a time and in a batch: both paths decide in the publishing transaction.
    const single = [];
    for (const event of [matching[0]!, others[0]!, others[1]!]) single.push(await client.events.publish.mutate(event));
    const batch = await client.events.publishBatch.mutate({ events: [matching[1]!, ...others.slice(2)] });
    const published = new Map([...single, ...batch.events].map((p) => [p.id, p]));

    for (const event of matching)
      expect(
        published
          .get(event.id)!
          .deliveries.map((d) => d.webhookId)
          .sort(),
      ).toEqual([all.id, filtered.id].sort());
    for (const event of others) expect(published.get(event.id)!.deliveries.map((d) => d.webhookId)).toEqual([all.id]);

    const everything = [...matching, ...others];
    await stack.receiver.waitForRequests(everything.length + matching.length, {
      matching: (r) => r.path === '/all' || r.path === '/filtered',
    });
    const idsAt = (at: string) =>
      stack.receiver.requests
        .filter((r) => r.path === at)
        .map((r) => (JSON.parse(r.rawBody) as { id: string }).id)
        .sort();
    expect(idsAt('/all')).toEqual(everything.map((e) => e.id).sort());
    expect(idsAt('/filtered')).toEqual(matching.map((e) => e.id).sort());

    // No delivery row for the filtered webhook but those of the matching events.
    const rows = await stack.herald.db
      .selectFrom('deliveries')
      .select(['event_id', 'status'])
      .where('webhook_id', '=', filtered.id)
      .execute();
    expect(rows.map((r) => r.event_id).sort()).toEqual(matching.map((e) => e.id).sort());
    await waitFor(async () => {
      const statuses = await stack.herald.db
        .selectFrom('deliveries')
        .select('status')
        .where('webhook_id', 'in', [all.id, filtered.id])
        .execute();
      return statuses.length === everything.length + matching.length && statuses.every((s) => s.status === 'succeeded');
    });

    // The fan-out of a filtered-out event never hears of the filtered webhook.
    const attributes = async (eventId: string) =>
      (await stack.herald.fanOut(eventId).describe()).searchAttributes.HeraldWebhookIds as string[];
    expect(await attributes('pf_small')).toEqual([all.id]);
    expect((await attributes('pf_match_1')).sort()).toEqual([all.id, filtered.id].sort());
  });

  it('takes a changed filter from the next publish on, removes it with null, and audits each change', async () => {
    const { client } = stack.herald;
    const hook = await client.webhooks.create.mutate({ url: `${stack.receiver.url}/changing`, events: ['shop.ping'] });
    const onlyRed: PayloadFilter = { field: 'data.colour', eq: 'red' };
    const changed = await client.webhooks.update.mutate({ id: hook.id, filter: onlyRed });
    expect(changed.filter).toEqual(onlyRed);
    const blue = await client.events.publish.mutate({ type: 'shop.ping', data: { colour: 'blue' } });
    const red = await client.events.publish.mutate({ type: 'shop.ping', data: { colour: 'red' } });
    expect(blue.deliveries).toEqual([]);
    expect(red.deliveries.map((d) => d.webhookId)).toEqual([hook.id]);

    const cleared = await client.webhooks.update.mutate({ id: hook.id, filter: null });
    expect(cleared.filter).toBeNull();
    const blueAgain = await client.events.publish.mutate({ type: 'shop.ping', data: { colour: 'blue' } });
    expect(blueAgain.deliveries.map((d) => d.webhookId)).toEqual([hook.id]);

    const { data } = await client.audit.forEntity.query({ entityType: 'webhook', entityId: hook.id });
    expect(data.map((e) => [e.event, e.diff])).toEqual([
      ['webhooks.update', { before: { filter: onlyRed }, after: { filter: null } }],
      ['webhooks.update', { before: { filter: null }, after: { filter: onlyRed } }],
      ['webhooks.create', expect.anything()],
    ]);
  });

  it('test sends ignore the filter and say when it would have kept the sample out', async () => {
    const { client } = stack.herald;
    const hook = await client.webhooks.create.mutate({
      url: `${stack.receiver.url}/tested`,
      events: ['shop.sample'],
      filter: { field: 'data.amount', gte: 100 },
    });
    const report = await client.webhooks.test.mutate({ id: hook.id });
    expect(report.tests).toEqual([
      expect.objectContaining({ eventType: 'shop.sample', status: 'succeeded', filteredOut: true }),
    ]);
    await stack.receiver.waitForRequests(1, { matching: (r) => r.path === '/tested' });
  });

  it('refuses invalid filters with a 400 naming every invalid part, on create and on update', async () => {
    const created = await rest('POST', '/webhooks', {
      url: 'ftp://nowhere.example/x',
      events: ['shop.order'],
      filter: {
        or: [
          { field: 'data.amount', gte: true },
          { field: 'amount', eq: 1 },
          { field: 'data.currency', in: [] },
          { field: 'data.name', matches: '^(a+)+$' },
          { field: 'data.total', gt: 1, lt: 9 },
          { not: [] },
        ],
      },
    });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe('BAD_REQUEST');
    expect(issuesOf(created.body).map(([at]) => at)).toEqual([
      'url',
      'filter.or.0.gte',
      'filter.or.1.field',
      'filter.or.2.in',
      'filter.or.3.matches',
      'filter.or.4',
      'filter.or.5.not',
    ]);
    expect(issuesOf(created.body)).toContainEqual([
      'filter.or.3.matches',
      'is not an operator; use one of eq, ne, in, exists, gt, gte, lt, lte, prefix, suffix, contains',
    ]);

    let deep: unknown = { field: 'data.a', exists: true };
    for (let i = 0; i < 12; i++) deep = { not: deep };
    const hook = await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/x`, events: ['a.b'] });
    const updated = await rest('PATCH', `/webhooks/${hook.id}`, { filter: deep });
    expect(updated.status).toBe(400);
    expect(issuesOf(updated.body)).toEqual([
      [`filter.${Array(8).fill('not').join('.')}`, 'is nested too deeply: a filter has at most 8 levels'],
    ]);
    const tooMany = await rest('PATCH', `/webhooks/${hook.id}`, {
      filter: {
        or: Array.from({ length: 5 }, () => ({ and: Array.from({ length: 13 }, () => ({ field: 'data.a', eq: 1 })) })),
      },
    });
    expect(issuesOf(tooMany.body)).toEqual([['filter', 'has 65 conditions; a filter has at most 64']]);
    expect((await stack.herald.client.webhooks.get.query({ id: hook.id })).filter).toBeNull();
  });

  it("refuses a field the subscribed type's schema lacks, naming it", async () => {
    // A workspace of its own: a catalog turns on its checks for the whole workspace.
    const shop = await workspaceWithKey(stack.herald, 'Filtered catalog');
    await shop.client.eventTypes.create.mutate({
      name: 'cart.checkout',
      description: 'A cart was checked out',
      schema: {
        type: 'object',
        properties: { total: { type: 'number' }, customer: { type: 'object', properties: { id: { type: 'string' } } } },
      },
    });
    const url = `${stack.receiver.url}/catalog`;
    const refused = await rest(
      'POST',
      '/webhooks',
      {
        url,
        events: ['cart.checkout'],
        filter: {
          and: [
            { field: 'data.total', gte: 1 },
            { field: 'data.customer.email', suffix: '@example.com' },
          ],
        },
      },
      shop.key,
    );
    expect(refused.status).toBe(400);
    expect(issuesOf(refused.body)).toEqual([
      ['filter.and.1.field', 'data.customer.email is not a field of the schema of cart.checkout'],
    ]);

    const hook = await shop.client.webhooks.create.mutate({
      url,
      events: ['cart.checkout'],
      filter: { field: 'data.customer.id', exists: true },
    });
    // A change checks against the types the webhook already subscribes to.
    const changed = await rest('PATCH', `/webhooks/${hook.id}`, { filter: { field: 'data.totl', gt: 5 } }, shop.key);
    expect(issuesOf(changed.body)).toEqual([
      ['filter.field', 'data.totl is not a field of the schema of cart.checkout'],
    ]);

    // New subscriptions are checked against the filter the webhook keeps: a type without its field is refused.
    await shop.client.eventTypes.create.mutate({
      name: 'cart.abandoned',
      description: 'A cart was left',
      schema: { type: 'object', properties: { total: { type: 'number' } } },
    });
    const moved = await rest('PATCH', `/webhooks/${hook.id}`, { events: ['cart.abandoned'] }, shop.key);
    expect(moved.status).toBe(400);
    expect(issuesOf(moved.body)).toEqual([
      ['filter.field', 'data.customer.id is not a field of the schema of cart.abandoned'],
    ]);
    const widened = await rest(
      'PATCH',
      `/webhooks/${hook.id}`,
      { events: ['cart.checkout', 'cart.abandoned'] },
      shop.key,
    );
    expect(widened.status).toBe(200);
  });

  it('herald webhooks create takes --filter as JSON or @file.json, and update --clear-filter removes it', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'herald-filter-'));
    try {
      const file = path.join(folder, 'filter.json');
      await writeFile(file, JSON.stringify(bigEuroOrders));
      const fromFile = await herald([
        'webhooks',
        'create',
        '--url',
        `${stack.receiver.url}/cli`,
        '--events',
        'shop.order',
        '--filter',
        `@${file}`,
        '--json',
      ]);
      expect(fromFile.code, fromFile.stderr).toBe(0);
      const created = JSON.parse(fromFile.stdout) as { id: string; filter: unknown };
      expect(created.filter).toEqual(bigEuroOrders);
      const cleared = await herald(['webhooks', 'update', created.id, '--clear-filter', '--json']);
      expect(cleared.code, cleared.stderr).toBe(0);
      expect((JSON.parse(cleared.stdout) as { filter: unknown }).filter).toBeNull();
      const bad = await herald([
        'webhooks',
        'create',
        '--url',
        `${stack.receiver.url}/cli`,
        '--events',
        'shop.order',
        '--filter',
        '{"field":"data.a","gte":[]}',
      ]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('filter.gte');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

function herald(args: string[]): Promise<CliResult> {
  return runHerald(args, { HERALD_URL: stack.herald.url, HERALD_API_KEY: stack.herald.adminKey });
}
