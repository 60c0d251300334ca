import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failure } from '../support/errors.js';
import { workspaceWithKey } from '../support/keys.js';
import { useStack } from '../support/stack.js';

let seedDir: string;

const orderSchema = {
  type: 'object',
  required: ['orderId', 'total'],
  properties: { orderId: { type: 'string', pattern: '^ord_' }, total: { type: 'integer', minimum: 0 } },
};

// Herald applies the catalog file on start, so the file is written first.
const stack = useStack({
  env: async () => {
    seedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-catalog-'));
    const seedFile = path.join(seedDir, 'event-types.json');
    await fs.writeFile(
      seedFile,
      JSON.stringify([
        {
          name: 'order.created',
          description: 'New order placed',
          schema: orderSchema,
          example: { orderId: 'ord_1', total: 4999 },
        },
        { name: 'order.shipped', description: 'Order shipped with tracking' },
      ]),
    );
    return { HERALD_EVENT_TYPES_FILE: seedFile };
  },
});
afterAll(() => fs.rm(seedDir, { recursive: true, force: true }));

describe('event type catalog', () => {
  it('is seeded from configuration on start, and audited as Herald’s own change', async () => {
    const { data } = await stack.herald.client.eventTypes.list.query({});
    expect(data.map((t) => [t.name, t.description])).toEqual([
      ['order.created', 'New order placed'],
      ['order.shipped', 'Order shipped with tracking'],
    ]);
    expect(data[0]!.schema).toEqual(orderSchema);
    const audit = await stack.herald.client.audit.forEntity.query({
      entityType: 'event_type',
      entityId: 'order.created',
    });
    expect(audit.data[0]).toMatchObject({ event: 'eventTypes.create', actorId: null });
  });

  it('accepts any dot-delimited type while a workspace has no catalog', async () => {
    const open = await workspaceWithKey(stack.herald, 'no catalog');
    await open.client.webhooks.create.mutate({ url: `${stack.receiver.url}/open`, events: ['anything.goes', 'x.*'] });
    const published = await open.client.events.publish.mutate({ type: 'anything.goes', data: { free: true } });
    expect(published.deliveries).toHaveLength(1);
  });

  it('checks subscriptions against the catalog once there is one, listing what exists', async () => {
    const unknown = await failure(
      stack.herald.client.webhooks.create.mutate({
        url: `${stack.receiver.url}/c`,
        events: ['order.created', 'order.exploded'],
      }),
    );
    expect(unknown.data.code).toBe('BAD_REQUEST');
    expect(unknown.data.issues).toEqual([
      {
        path: 'events.1',
        message: expect.stringMatching(/unknown event type order\.exploded; available: order\.created, order\.shipped/),
      },
    ]);
    const noMatch = await failure(
      stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/c`, events: ['invoice.*'] }),
    );
    expect(noMatch.data.issues[0].message).toMatch(/invoice\.\* matches no event type/);
    const ok = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/c`,
      events: ['order.*'],
    });
    expect(ok.events).toEqual(['order.*']);
  });

  it('delivers to wildcard subscriptions: order.* and *', async () => {
    const prefix = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/wild-order`,
      events: ['order.*'],
    });
    const everything = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/wild-all`,
      events: ['*'],
    });
    const exact = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/wild-exact`,
      events: ['order.created'],
    });
    const published = await stack.herald.client.events.publish.mutate({ type: 'order.shipped', data: {} });
    const reached = published.deliveries.map((d) => d.webhookId);
    expect(reached).toEqual(expect.arrayContaining([prefix.id, everything.id]));
    expect(reached).not.toContain(exact.id);
  });

  it('refuses publishing unknown or archived types, and data that breaks the schema', async () => {
    const unknown = await failure(stack.herald.client.events.publish.mutate({ type: 'order.exploded', data: {} }));
    expect(unknown.data.issues).toEqual([
      { path: 'type', message: expect.stringMatching(/unknown event type order\.exploded; available: order\.created/) },
    ]);

    const invalid = await failure(
      stack.herald.client.events.publish.mutate({ type: 'order.created', data: { orderId: 'nope', total: -1 } }),
    );
    expect(invalid.data.code).toBe('BAD_REQUEST');
    expect(invalid.data.issues.map((i: { path: string }) => i.path).sort()).toEqual(['data.orderId', 'data.total']);
    const missing = await failure(stack.herald.client.events.publish.mutate({ type: 'order.created', data: {} }));
    expect(missing.data.issues.map((i: { path: string }) => i.path).sort()).toEqual(['data.orderId', 'data.total']);
    expect(
      (
        await stack.herald.client.events.publish.mutate({
          type: 'order.created',
          data: { orderId: 'ord_9', total: 10 },
        })
      ).id,
    ).toMatch(/^evt_/);

    await stack.herald.client.eventTypes.create.mutate({ name: 'order.legacy', description: 'old' });
    await stack.herald.client.eventTypes.update.mutate({ name: 'order.legacy', archived: true });
    const archived = await failure(stack.herald.client.events.publish.mutate({ type: 'order.legacy', data: {} }));
    expect(archived.data.issues[0].message).toMatch(/order\.legacy is archived/);
    expect((await stack.herald.client.eventTypes.list.query({})).data.map((t) => t.name)).not.toContain('order.legacy');
    expect(
      (await stack.herald.client.eventTypes.list.query({ includeArchived: 'true' })).data.map((t) => t.name),
    ).toContain('order.legacy');
  });

  it('manages event types: create, get, update, deprecate; rejects duplicates and broken schemas', async () => {
    const created = await stack.herald.client.eventTypes.create.mutate({
      name: 'payment.failed',
      description: 'Payment failed',
      schema: { type: 'object', properties: { amount: { type: 'number' } } },
      example: { amount: 12.5 },
    });
    expect(created).toMatchObject({ name: 'payment.failed', deprecated: false, archived: false });
    expect((await failure(stack.herald.client.eventTypes.create.mutate({ name: 'payment.failed' }))).data.code).toBe(
      'CONFLICT',
    );
    const deprecated = await stack.herald.client.eventTypes.update.mutate({ name: 'payment.failed', deprecated: true });
    expect(deprecated.deprecated).toBe(true);
    expect((await stack.herald.client.eventTypes.get.query({ name: 'payment.failed' })).deprecated).toBe(true);

    const broken = await failure(
      stack.herald.client.eventTypes.create.mutate({ name: 'payment.broken', schema: { type: 'nonsense' } }),
    );
    expect(broken.data.issues[0]).toMatchObject({
      path: 'schema',
      message: expect.stringMatching(/not a valid JSON Schema/),
    });
    const badExample = await failure(
      stack.herald.client.eventTypes.create.mutate({
        name: 'payment.odd',
        schema: { type: 'object', required: ['id'] },
        example: { other: 1 },
      }),
    );
    expect(badExample.data.issues[0].path).toBe('example.id');
    expect((await failure(stack.herald.client.eventTypes.get.query({ name: 'payment.unknown' }))).data.code).toBe(
      'NOT_FOUND',
    );
  });
});
