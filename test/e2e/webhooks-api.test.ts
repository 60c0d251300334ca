import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../server/delivery/secret-box.js';
import { failure } from '../support/errors.js';
import { TEST_ENCRYPTION_KEY } from '../support/herald.js';
import { workspaceWithKey } from '../support/keys.js';
import { useStack } from '../support/stack.js';

const hook = {
  name: 'Order Notifications',
  url: 'http://127.0.0.1:9/webhooks/regen',
  events: ['order.created', 'order.shipped'],
};

const stack = useStack();
describe('webhooks API', () => {
  it('creates a webhook and shows its generated whsec_ secret only then', async () => {
    const created = await stack.herald.client.webhooks.create.mutate({ ...hook, description: 'ops channel' });
    expect(created).toEqual({
      id: expect.stringMatching(/^wh_[0-9A-Z]{26}$/),
      name: 'Order Notifications',
      url: hook.url,
      events: hook.events,
      active: true,
      description: 'ops channel',
      owner: null,
      mode: 'live',
      paused: false,
      disabledReason: null,
      health: { lastSuccessAt: null, lastFailureAt: null, consecutiveFailures: 0, failingSince: null },
      signatureProfile: null,
      headers: [],
      filter: null,
      rateLimit: null,
      orderingOnFailure: 'continue',
      adaptiveRate: null,
      secretRotation: null,
      createdAt: expect.any(String),
      updatedAt: created.createdAt,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    expect(Buffer.from(created.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);

    const fetched = await stack.herald.client.webhooks.get.query({ id: created.id });
    const listed = (await stack.herald.client.webhooks.list.query({})).data.find((w) => w.id === created.id);
    const updated = await stack.herald.client.webhooks.update.mutate({ id: created.id, name: 'Renamed' });
    for (const view of [fetched, listed, updated]) {
      expect(view).toBeDefined();
      expect(view).not.toHaveProperty('secret');
      expect(JSON.stringify(view)).not.toContain(created.secret);
    }
  });

  it('keeps a secret the caller supplies and names the webhook after its host by default', async () => {
    const created = await stack.herald.client.webhooks.create.mutate({
      url: 'http://127.0.0.1:9/x',
      events: ['order.status'],
      secret: 'QWZTFnMEXhqZKNmu',
    });
    expect(created.secret).toBe('QWZTFnMEXhqZKNmu');
    expect(created.name).toBe('127.0.0.1:9');
    const row = await stack.herald.db
      .selectFrom('webhooks')
      .select('secret')
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    // Stored sealed: the row alone does not reveal it, the configured key opens it.
    expect(row.secret).toMatch(/^sealed:v1:/);
    expect(row.secret).not.toContain('QWZTFnMEXhqZKNmu');
    expect(createSecretBox([TEST_ENCRYPTION_KEY]).open(row.secret)).toBe('QWZTFnMEXhqZKNmu');
  });

  it('updates fields and bumps updatedAt, keeping the rest', async () => {
    const created = await stack.herald.client.webhooks.create.mutate(hook);
    const updated = await stack.herald.client.webhooks.update.mutate({
      id: created.id,
      events: ['order.cancelled'],
      active: false,
    });
    expect(updated).toMatchObject({
      id: created.id,
      name: hook.name,
      url: hook.url,
      events: ['order.cancelled'],
      active: false,
    });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
  });

  it('keeps an owner, lists by owner, changes it, and audits it', async () => {
    const { client } = await workspaceWithKey(stack.herald, 'owners');
    const first = await client.webhooks.create.mutate({ ...hook, owner: '  customer_1 ' });
    const second = await client.webhooks.create.mutate({ ...hook, owner: 'customer_2' });
    const none = await client.webhooks.create.mutate(hook);
    expect(first.owner).toBe('customer_1');
    expect(none.owner).toBeNull();
    expect((await client.webhooks.get.query({ id: second.id })).owner).toBe('customer_2');
    expect((await client.webhooks.list.query({ owner: 'customer_1' })).data.map((w) => w.id)).toEqual([first.id]);
    expect((await client.webhooks.list.query({})).data.map((w) => w.id)).toEqual([none.id, second.id, first.id]);

    const moved = await client.webhooks.update.mutate({ id: second.id, owner: 'customer_1' });
    expect(moved.owner).toBe('customer_1');
    expect((await client.webhooks.list.query({ owner: 'customer_1' })).data.map((w) => w.id)).toEqual([
      second.id,
      first.id,
    ]);
    expect((await client.webhooks.update.mutate({ id: second.id, owner: null })).owner).toBeNull();
    const audit = await client.audit.forEntity.query({ entityType: 'webhook', entityId: second.id });
    expect(JSON.stringify(audit.data.map((entry) => entry.diff))).toContain('customer_2');

    const refused = await failure(client.webhooks.create.mutate({ ...hook, owner: ' ' }));
    expect(refused.data?.code).toBe('BAD_REQUEST');
    expect(refused.message).toMatch(/owner/);
    const rest = await fetch(`${stack.herald.url}/v1/webhooks?owner=customer_1`, {
      headers: { 'x-api-key': stack.herald.adminKey },
    });
    expect(rest.status).toBe(200);
  });

  it('deletes a webhook: it is gone from get, list and update', async () => {
    const created = await stack.herald.client.webhooks.create.mutate(hook);
    expect(await stack.herald.client.webhooks.delete.mutate({ id: created.id })).toEqual({
      id: created.id,
      deleted: true,
    });
    expect((await failure(stack.herald.client.webhooks.get.query({ id: created.id }))).data).toMatchObject({
      code: 'NOT_FOUND',
      httpStatus: 404,
    });
    expect((await stack.herald.client.webhooks.list.query({ limit: 100 })).data.map((w) => w.id)).not.toContain(
      created.id,
    );
    expect(
      (await failure(stack.herald.client.webhooks.update.mutate({ id: created.id, active: true }))).data.code,
    ).toBe('NOT_FOUND');
    expect((await failure(stack.herald.client.webhooks.delete.mutate({ id: created.id }))).data.code).toBe('NOT_FOUND');
  });

  it('pages through webhooks newest first with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await stack.herald.client.webhooks.create.mutate({ ...hook, name: `page ${i}` })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await stack.herald.client.webhooks.list.query({ limit: 2, cursor });
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((w) => w.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...seen].sort().reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
  });

  it.each([
    ['a URL that is not one', { ...hook, url: 'not a url' }, 'url', /absolute URL/],
    ['a non-http scheme', { ...hook, url: 'ftp://127.0.0.1/x' }, 'url', /https/],
    [
      'an address outside the allowed networks',
      { ...hook, url: 'http://10.0.0.8/x' },
      'url',
      /outside HERALD_ALLOWED_NETWORKS/,
    ],
    ['credentials in the URL', { ...hook, url: 'http://user:pw@127.0.0.1/x' }, 'url', /credentials/],
    ['no events', { ...hook, events: [] }, 'events', /at least one/],
    [
      'a malformed event type',
      { ...hook, events: ['order created'] },
      'events.0',
      /must be an event type such as order\.created/,
    ],
    ['a short secret', { ...hook, secret: 'short' }, 'secret', /16/],
    ['a secret with control characters', { ...hook, secret: 'abcdefghijklmnop\n' }, 'secret', /printable/],
  ])('rejects %s with a 400 naming the field', async (_, input, path, message) => {
    const error = await failure(stack.herald.client.webhooks.create.mutate(input as typeof hook));
    expect(error.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    const issue = error.data.issues.find((i: { path: string }) => i.path === path);
    expect(issue?.message).toMatch(message);
    expect(error.message).toContain(path);
    expect(error.data).not.toHaveProperty('stack');
  });

  it('rejects an update with nothing to change, or a bad URL', async () => {
    const created = await stack.herald.client.webhooks.create.mutate(hook);
    expect((await failure(stack.herald.client.webhooks.update.mutate({ id: created.id }))).data.code).toBe(
      'BAD_REQUEST',
    );
    const bad = await failure(
      stack.herald.client.webhooks.update.mutate({ id: created.id, url: 'http://192.168.1.1/' }),
    );
    expect(bad.data.issues).toEqual([{ path: 'url', message: expect.stringMatching(/private/) }]);
  });

  it('answers unknown ids with NOT_FOUND', async () => {
    for (const call of [
      stack.herald.client.webhooks.get.query({ id: 'wh_doesnotexist' }),
      stack.herald.client.deliveries.get.query({ id: 'del_doesnotexist' }),
    ]) {
      expect((await failure(call)).data).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
    }
  });

  it('rejects events.publish input with field paths', async () => {
    const error = await failure(
      stack.herald.client.events.publish.mutate({ type: 'no spaces allowed', data: [] as never, id: 'bad id!' }),
    );
    expect(error.data.code).toBe('BAD_REQUEST');
    expect(error.data.issues.map((i: { path: string }) => i.path).sort()).toEqual(['data', 'id', 'type']);
  });

  it('reports every invalid field of a create at once, the URL policy among them', async () => {
    const error = await failure(
      stack.herald.client.webhooks.create.mutate({ url: 'not a url', events: [], secret: 'short' }),
    );
    expect(error.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    expect(error.data.issues).toEqual([
      { path: 'url', message: expect.stringMatching(/absolute URL/) },
      { path: 'events', message: expect.stringMatching(/at least one/) },
      { path: 'secret', message: expect.stringMatching(/16/) },
    ]);
    expect(error.message).toMatch(/url: .*events: .*secret: /);
  });

  it("reports the checks of the server (endpoint policy, catalog, schemas) with the schema's refusals", async () => {
    // A workspace of its own, whose catalog the other tests never see.
    const tenant = await workspaceWithKey(stack.herald, 'every field');
    await tenant.client.eventTypes.create.mutate({
      name: 'order.shipped',
      schema: { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' } } },
    });
    const paths = (error: Awaited<ReturnType<typeof failure>>) =>
      error.data.issues.map((issue: { path: string }) => issue.path);

    const create = await failure(
      tenant.client.webhooks.create.mutate({
        url: 'http://10.0.0.8/x',
        events: ['order.shipped', 'order.unknown'],
        secret: 'short',
      }),
    );
    expect(create.data.issues).toEqual([
      { path: 'url', message: expect.stringMatching(/outside HERALD_ALLOWED_NETWORKS/) },
      { path: 'events.1', message: expect.stringMatching(/unknown event type order\.unknown/) },
      { path: 'secret', message: expect.stringMatching(/16/) },
    ]);

    const hook = await tenant.client.webhooks.create.mutate({ url: 'http://127.0.0.1:9/x', events: ['order.shipped'] });
    const update = await failure(
      tenant.client.webhooks.update.mutate({ id: hook.id, url: 'ftp://127.0.0.1/x', events: ['not valid!'] }),
    );
    expect(paths(update)).toEqual(['url', 'events.0']);

    const publish = await failure(
      tenant.client.events.publish.mutate({ id: 'bad id!', type: 'order.unknown', data: {} }),
    );
    expect(paths(publish)).toEqual(['id', 'type']);
    const publishData = await failure(
      tenant.client.events.publish.mutate({ id: 'bad id!', type: 'order.shipped', data: {} }),
    );
    expect(paths(publishData)).toEqual(['id', 'data.orderId']);

    const batch = await failure(
      tenant.client.events.publishBatch.mutate({
        events: [
          { type: 'order.unknown', data: {} },
          { type: 'order.shipped', data: [] as never },
        ],
      }),
    );
    expect(paths(batch)).toEqual(['events.0.type', 'events.1.data']);

    const eventType = await failure(
      tenant.client.eventTypes.create.mutate({ name: 'not a name', schema: { type: 'no-such-type' } }),
    );
    expect(paths(eventType)).toEqual(['name', 'schema']);
    // Nothing of it was stored.
    expect((await tenant.client.webhooks.list.query({})).data.map((w) => w.id)).toEqual([hook.id]);
    expect((await tenant.client.webhooks.get.query({ id: hook.id })).url).toBe('http://127.0.0.1:9/x');
  });

  it('answers plain HTTP callers with JSON errors, never a stack trace', async () => {
    const response = await fetch(`${stack.herald.url}/trpc/webhooks.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.herald.adminKey },
      body: '{"url":',
    });
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(JSON.parse(body).error).toBeDefined();
  });

  it('says whether a refused body was not JSON or carried a prototype-poisoning key', async () => {
    const post = (body: string) =>
      fetch(`${stack.herald.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': stack.herald.adminKey },
        body,
      }).then(async (response) => ({ status: response.status, body: await response.json() }));
    expect(await post('{"type":')).toEqual({
      status: 400,
      body: {
        error: {
          code: 'BAD_REQUEST',
          message: expect.stringMatching(/^Malformed request: the body is not valid JSON/),
        },
      },
    });
    expect(await post('{"type":"order.created","data":{"nested":{"__proto__":{"admin":true}}}}')).toEqual({
      status: 400,
      body: {
        error: { code: 'BAD_REQUEST', message: expect.stringMatching(/key named __proto__.*rename the key$/) },
      },
    });
  });

  it('reports liveness and readiness with the health of Postgres and Temporal', async () => {
    for (const route of ['/healthz', '/readyz']) {
      const response = await fetch(`${stack.herald.url}${route}`);
      expect(response.status, route).toBe(200);
      expect(await response.json()).toEqual({
        status: 'ok',
        checks: { postgres: { status: 'ok' }, temporal: { status: 'ok' } },
      });
    }
  });
});
