import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createHeraldClient, type HeraldClient } from '../../client/index.js';
import { appRouter } from '../../server/api/routers/index.js';
import { permissions, type Permission } from '../../server/db/scope.js';
import { codeOf, failure } from '../support/errors.js';
import { keyClient, workspaceWithKey } from '../support/keys.js';
import { waitFor } from '../support/wait-for.js';
import { useStack } from '../support/stack.js';

const stack = useStack();

/**
 * Every procedure, the one permission it needs (written out here, independently of the code), and a call that
 * does no harm: unknown ids, so allowed calls answer NOT_FOUND or BAD_REQUEST rather than change anything.
 */
const procedures: Array<[string, Permission, (c: HeraldClient) => Promise<unknown>]> = [
  [
    'webhooks.create',
    'webhooks:manage',
    (c) => c.webhooks.create.mutate({ url: 'ftp://refused', events: ['matrix.test'] }),
  ],
  ['webhooks.list', 'webhooks:read', (c) => c.webhooks.list.query({})],
  ['webhooks.get', 'webhooks:read', (c) => c.webhooks.get.query({ id: 'wh_missing' })],
  ['webhooks.update', 'webhooks:manage', (c) => c.webhooks.update.mutate({ id: 'wh_missing', active: false })],
  ['webhooks.delete', 'webhooks:manage', (c) => c.webhooks.delete.mutate({ id: 'wh_missing' })],
  ['webhooks.rotateSecret', 'webhooks:manage', (c) => c.webhooks.rotateSecret.mutate({ id: 'wh_missing' })],
  [
    'webhooks.switchBodySignature',
    'webhooks:manage',
    (c) => c.webhooks.switchBodySignature.mutate({ id: 'wh_missing' }),
  ],
  ['webhooks.pause', 'webhooks:manage', (c) => c.webhooks.pause.mutate({ id: 'wh_missing' })],
  ['webhooks.resume', 'webhooks:manage', (c) => c.webhooks.resume.mutate({ id: 'wh_missing' })],
  ['webhooks.enable', 'webhooks:manage', (c) => c.webhooks.enable.mutate({ id: 'wh_missing' })],
  ['webhooks.test', 'webhooks:manage', (c) => c.webhooks.test.mutate({ id: 'wh_missing' })],
  ['webhooks.deliveries', 'deliveries:read', (c) => c.webhooks.deliveries.query({ id: 'wh_missing' })],
  [
    'webhooks.recover',
    'deliveries:retry',
    (c) => c.webhooks.recover.mutate({ id: 'wh_missing', since: new Date().toISOString() }),
  ],
  ['events.publish', 'events:publish', (c) => c.events.publish.mutate({ type: 'matrix.nobody', data: {} })],
  [
    'events.publishBatch',
    'events:publish',
    (c) => c.events.publishBatch.mutate({ events: [{ type: 'matrix.nobody', data: {} }] }),
  ],
  ['events.cancel', 'events:publish', (c) => c.events.cancel.mutate({ id: 'evt_missing' })],
  ['eventTypes.list', 'webhooks:read', (c) => c.eventTypes.list.query({})],
  ['eventTypes.get', 'webhooks:read', (c) => c.eventTypes.get.query({ name: 'matrix.missing' })],
  [
    'eventTypes.create',
    'events:publish',
    (c) => c.eventTypes.create.mutate({ name: 'matrix.bad', schema: { type: 'no-such-type' } }),
  ],
  [
    'eventTypes.update',
    'events:publish',
    (c) => c.eventTypes.update.mutate({ name: 'matrix.missing', description: 'x' }),
  ],
  ['deliveries.list', 'deliveries:read', (c) => c.deliveries.list.query({})],
  ['deliveries.get', 'deliveries:read', (c) => c.deliveries.get.query({ id: 'del_missing' })],
  ['deliveries.retry', 'deliveries:retry', (c) => c.deliveries.retry.mutate({ id: 'del_missing' })],
  ['deliveries.skip', 'deliveries:retry', (c) => c.deliveries.skip.mutate({ id: 'del_missing' })],
  // A subscription: allowed, its invalid resume point is a BAD_REQUEST; refused, a FORBIDDEN before any input check.
  ['deliveries.tail', 'deliveries:read', (c) => firstError(c, { lastEventId: 'not-an-event-id' })],
  ['recoveries.get', 'deliveries:read', (c) => c.recoveries.get.query({ id: 'rec_missing' })],
  ['recoveries.cancel', 'deliveries:retry', (c) => c.recoveries.cancel.mutate({ id: 'rec_missing' })],
  ['audit.list', 'audit:read', (c) => c.audit.list.query({})],
  ['audit.forEntity', 'audit:read', (c) => c.audit.forEntity.query({ entityType: 'webhook', entityId: 'wh_missing' })],
  ['workspaces.create', 'admin', (c) => c.workspaces.create.mutate({ name: '' })],
  ['workspaces.list', 'admin', (c) => c.workspaces.list.query({})],
  ['workspaces.get', 'admin', (c) => c.workspaces.get.query({ id: 'ws_missing' })],
  ['workspaces.update', 'admin', (c) => c.workspaces.update.mutate({ id: 'ws_missing', name: 'x' })],
  ['apiKeys.create', 'admin', (c) => c.apiKeys.create.mutate({ name: 'x', permissions: [], mode: 'live' })],
  ['apiKeys.list', 'admin', (c) => c.apiKeys.list.query({})],
  ['apiKeys.get', 'admin', (c) => c.apiKeys.get.query({ id: 'key_missing' })],
  ['apiKeys.revoke', 'admin', (c) => c.apiKeys.revoke.mutate({ id: 'key_missing' })],
  ['portal.createSession', 'webhooks:manage', (c) => c.portal.createSession.mutate({ owner: ' ' })],
];

/** Subscribes to the attempt stream and fails with the stream's error (it never ends well on its own). */
function firstError(c: HeraldClient, input: { lastEventId: string }): Promise<unknown> {
  return new Promise((_resolve, reject) => {
    const subscription = c.deliveries.tail.subscribe(input, {
      onError: (error) => {
        subscription.unsubscribe();
        reject(error);
      },
    });
  });
}

describe('authentication', () => {
  it('refuses a missing, malformed, unknown or revoked key with 401', async () => {
    const anonymous = createHeraldClient({ url: stack.herald.url });
    expect(await codeOf(anonymous.webhooks.list.query({}))).toBe('UNAUTHORIZED');
    const unknown = createHeraldClient({ url: stack.herald.url, apiKey: 'hk_live_notarealkeynotarealkeynotarealkey' });
    expect(await codeOf(unknown.webhooks.list.query({}))).toBe('UNAUTHORIZED');
    const garbage = createHeraldClient({ url: stack.herald.url, apiKey: 'garbage' });
    expect(await codeOf(garbage.webhooks.list.query({}))).toBe('UNAUTHORIZED');

    const reader = await keyClient(stack.herald, { permissions: ['webhooks:read'] });
    expect(await codeOf(reader.client.webhooks.list.query({}))).toBe('OK');
    await stack.herald.client.apiKeys.revoke.mutate({ id: reader.id });
    expect(await codeOf(reader.client.webhooks.list.query({}))).toBe('UNAUTHORIZED');
  });

  it('accepts the key as X-API-Key or as a bearer token, and says what is missing', async () => {
    const reader = await keyClient(stack.herald, { permissions: ['webhooks:read'] });
    for (const headers of [{ 'x-api-key': reader.key }, { authorization: `Bearer ${reader.key}` }] as Array<
      Record<string, string>
    >) {
      const response = await fetch(`${stack.herald.url}/v1/webhooks`, { headers });
      expect(response.status).toBe(200);
    }
    const missing = await fetch(`${stack.herald.url}/v1/webhooks`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as any).error.message).toMatch(/X-API-Key/);
    const forbidden = await fetch(`${stack.herald.url}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': reader.key, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'a.b', data: {} }),
    });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({
      error: { code: 'FORBIDDEN', message: 'This API key lacks the events:publish permission.' },
    });
  });

  it('shows a key once, stores only its hash, and records when it was last used', async () => {
    const created = await stack.herald.client.apiKeys.create.mutate({
      name: 'shown once',
      permissions: ['webhooks:read'],
      mode: 'test',
    });
    expect(created.key).toMatch(/^hk_test_[A-Za-z0-9_-]{43}$/);
    expect(created.hint).toBe(`hk_test_…${created.key.slice(-4)}`);
    const listed = (await stack.herald.client.apiKeys.list.query({ limit: 100 })).data.find(
      (k) => k.id === created.id,
    )!;
    expect(listed).not.toHaveProperty('key');
    expect(JSON.stringify(listed)).not.toContain(created.key);
    const stored = await stack.herald.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(created.key);
    expect(listed.lastUsedAt).toBeNull();

    await createHeraldClient({ url: stack.herald.url, apiKey: created.key }).webhooks.list.query({});
    const used = (await stack.herald.client.apiKeys.list.query({ limit: 100 })).data.find((k) => k.id === created.id)!;
    expect(used.lastUsedAt).not.toBeNull();
  });
});

describe('permissions', () => {
  it.each(permissions)('a key with only %s may call exactly its procedures', async (permission) => {
    const { workspaceId } = await workspaceWithKey(stack.herald, `matrix ${permission}`);
    const { client } = await keyClient(stack.herald, { permissions: [permission], workspaceId });
    for (const [name, needed, call] of procedures) {
      const code = await codeOf(call(client));
      if (needed === permission) expect(code, `${name} with ${permission}`).not.toMatch(/FORBIDDEN|UNAUTHORIZED/);
      else expect(code, `${name} with ${permission}`).toBe('FORBIDDEN');
    }
  });

  it('covers every procedure the API has', () => {
    const all = Object.keys(appRouter._def.procedures).sort();
    expect(procedures.map(([name]) => name).sort()).toEqual(all);
  });
});

describe('workspace isolation', () => {
  it('never lets a key of one workspace read, change or deliver anything of another', async () => {
    const a = await workspaceWithKey(stack.herald, 'tenant A');
    const b = await workspaceWithKey(stack.herald, 'tenant B');

    const hookB = await b.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/tenant-b`,
      events: ['tenant.event'],
    });
    stack.receiver.behave((r) => (r.path === '/tenant-b' ? { status: 500 } : { status: 200 }));
    const eventB = await b.client.events.publish.mutate({
      id: 'evt_shared_id',
      type: 'tenant.event',
      data: { owner: 'B' },
    });
    await b.client.eventTypes.create.mutate({ name: 'tenant.event', description: 'B only' });
    await waitFor(
      async () => (await b.client.deliveries.get.query({ id: eventB.deliveries[0]!.id })).status === 'failed',
    );
    const recovery = await b.client.webhooks.recover.mutate({
      id: hookB.id,
      since: new Date(Date.now() - 60_000).toISOString(),
    });
    const deliveryB = eventB.deliveries[0]!.id;
    const laterB = await b.client.events.publish.mutate({
      id: 'evt_b_later',
      type: 'tenant.event',
      data: { owner: 'B' },
      deliverAt: new Date(Date.now() + 3_600_000).toISOString(),
    });

    // Reads see nothing of B.
    expect((await a.client.webhooks.list.query({ limit: 100 })).data.map((w) => w.id)).not.toContain(hookB.id);
    expect((await a.client.deliveries.list.query({ limit: 100 })).data.map((d) => d.id)).not.toContain(deliveryB);
    expect((await a.client.eventTypes.list.query({})).data.map((t) => t.name)).not.toContain('tenant.event');
    expect((await a.client.audit.list.query({ limit: 100 })).data.map((e) => e.entityId)).not.toContain(hookB.id);
    expect((await a.client.audit.forEntity.query({ entityType: 'webhook', entityId: hookB.id })).data).toEqual([]);
    expect((await a.client.apiKeys.list.query({ limit: 100 })).data.map((k) => k.workspaceId)).toEqual(
      expect.not.arrayContaining([b.workspaceId]),
    );
    for (const [name, call] of [
      ['webhooks.get', () => a.client.webhooks.get.query({ id: hookB.id })],
      ['webhooks.update', () => a.client.webhooks.update.mutate({ id: hookB.id, active: false })],
      ['webhooks.delete', () => a.client.webhooks.delete.mutate({ id: hookB.id })],
      ['webhooks.rotateSecret', () => a.client.webhooks.rotateSecret.mutate({ id: hookB.id })],
      ['webhooks.switchBodySignature', () => a.client.webhooks.switchBodySignature.mutate({ id: hookB.id })],
      ['webhooks.pause', () => a.client.webhooks.pause.mutate({ id: hookB.id })],
      ['webhooks.resume', () => a.client.webhooks.resume.mutate({ id: hookB.id })],
      ['webhooks.enable', () => a.client.webhooks.enable.mutate({ id: hookB.id })],
      ['webhooks.test', () => a.client.webhooks.test.mutate({ id: hookB.id })],
      ['webhooks.deliveries', () => a.client.webhooks.deliveries.query({ id: hookB.id })],
      ['webhooks.recover', () => a.client.webhooks.recover.mutate({ id: hookB.id, since: new Date().toISOString() })],
      ['deliveries.get', () => a.client.deliveries.get.query({ id: deliveryB })],
      ['deliveries.retry', () => a.client.deliveries.retry.mutate({ id: deliveryB })],
      ['deliveries.skip', () => a.client.deliveries.skip.mutate({ id: deliveryB })],
      ['recoveries.get', () => a.client.recoveries.get.query({ id: recovery.id })],
      ['recoveries.cancel', () => a.client.recoveries.cancel.mutate({ id: recovery.id })],
      ['events.cancel', () => a.client.events.cancel.mutate({ id: laterB.id })],
      ['eventTypes.get', () => a.client.eventTypes.get.query({ name: 'tenant.event' })],
      ['eventTypes.update', () => a.client.eventTypes.update.mutate({ name: 'tenant.event', description: 'hijacked' })],
    ] as const) {
      expect(await codeOf(call()), name).toBe('NOT_FOUND');
    }
    expect((await a.client.deliveries.list.query({ eventId: eventB.id })).data).toEqual([]);

    // A's event with B's id and type is A's own, and reaches no webhook of B.
    const eventA = await a.client.events.publish.mutate({
      id: 'evt_shared_id',
      type: 'tenant.event',
      data: { owner: 'A' },
    });
    expect(eventA.duplicate).toBe(false);
    expect(eventA.deliveries).toEqual([]);
    expect(
      stack.receiver.requests
        .filter((r) => r.path === '/tenant-b')
        .every((r) => JSON.parse(r.rawBody).data.owner === 'B'),
    ).toBe(true);

    // B's things are untouched.
    expect((await b.client.webhooks.get.query({ id: hookB.id })).active).toBe(true);
    expect((await b.client.eventTypes.get.query({ name: 'tenant.event' })).description).toBe('B only');
    expect((await b.client.deliveries.get.query({ id: laterB.deliveries[0]!.id })).status).toBe('scheduled');
    await b.client.events.cancel.mutate({ id: laterB.id });
  });

  it('keeps test-mode keys and their webhooks apart from live ones', async () => {
    const { workspaceId } = await workspaceWithKey(stack.herald, 'modes');
    const live = await keyClient(stack.herald, { permissions: [...permissions], workspaceId, mode: 'live' });
    const test = await keyClient(stack.herald, { permissions: [...permissions], workspaceId, mode: 'test' });
    const liveHook = await live.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/live-mode`,
      events: ['mode.event'],
    });
    const testHook = await test.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/test-mode`,
      events: ['mode.event'],
    });
    expect(liveHook.mode).toBe('live');
    expect(testHook.mode).toBe('test');

    expect((await test.client.webhooks.list.query({})).data.map((w) => w.id)).toEqual([testHook.id]);
    expect(await codeOf(test.client.webhooks.get.query({ id: liveHook.id }))).toBe('NOT_FOUND');
    const published = await test.client.events.publish.mutate({ type: 'mode.event', data: {} });
    expect(published.deliveries.map((d) => d.webhookId)).toEqual([testHook.id]);
    await stack.receiver.waitForRequests(1, { matching: (r) => r.path === '/test-mode' });
    expect(stack.receiver.requests.filter((r) => r.path === '/live-mode')).toHaveLength(0);
  });

  it('lets an admin create workspaces and keys for them, and no one else', async () => {
    const created = await stack.herald.client.workspaces.create.mutate({ name: 'Acme' });
    expect(created.id).toMatch(/^ws_/);
    expect((await stack.herald.client.workspaces.list.query({ limit: 100 })).data.map((w) => w.id)).toContain(
      created.id,
    );
    const key = await stack.herald.client.apiKeys.create.mutate({
      workspaceId: created.id,
      name: 'Acme publisher',
      permissions: ['events:publish'],
      mode: 'live',
    });
    expect(key.workspaceId).toBe(created.id);
    expect(
      await codeOf(
        stack.herald.client.apiKeys.create.mutate({
          workspaceId: 'ws_missing',
          name: 'x',
          permissions: ['audit:read'],
          mode: 'live',
        }),
      ),
    ).toBe('NOT_FOUND');
  });
});

/** Every active key with the admin permission, in any workspace. */
async function activeAdminKeys(): Promise<string[]> {
  const rows = await stack.herald.db
    .selectFrom('api_keys')
    .select('id')
    .where('revoked_at', 'is', null)
    .where(sql<boolean>`'admin' = ANY(permissions)`)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

/** The id of the stack's own admin key (HERALD_ADMIN_KEY), which the other tests of this file go on using. */
async function stackAdminKeyId(): Promise<string> {
  const row = await stack.herald.db
    .selectFrom('api_keys')
    .select('id')
    .where('name', '=', 'Admin key (HERALD_ADMIN_KEY)')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('key revocation', () => {
  it("lets an admin revoke another workspace's key by its id alone, audited in that workspace", async () => {
    const tenant = await workspaceWithKey(stack.herald, 'revoked from outside');
    const auditor = await keyClient(stack.herald, { permissions: ['audit:read'], workspaceId: tenant.workspaceId });
    const victim = await keyClient(stack.herald, { permissions: ['webhooks:read'], workspaceId: tenant.workspaceId });
    expect(await codeOf(victim.client.webhooks.list.query({}))).toBe('OK');

    // Naming a workspace the key is not in finds nothing; naming none finds it.
    expect(await codeOf(stack.herald.client.apiKeys.revoke.mutate({ id: victim.id, workspaceId: 'ws_missing' }))).toBe(
      'NOT_FOUND',
    );
    expect(await stack.herald.client.apiKeys.revoke.mutate({ id: victim.id })).toEqual({
      id: victim.id,
      revoked: true,
    });
    expect(await codeOf(victim.client.webhooks.list.query({}))).toBe('UNAUTHORIZED');
    expect((await stack.herald.client.apiKeys.get.query({ id: victim.id })).revokedAt).not.toBeNull();
    expect(await codeOf(stack.herald.client.apiKeys.revoke.mutate({ id: victim.id }))).toBe('NOT_FOUND');

    const history = await auditor.client.audit.forEntity.query({ entityType: 'api_key', entityId: victim.id });
    expect(history.data.map((entry) => entry.event)).toEqual(['apiKeys.revoke', 'apiKeys.create']);
    expect(history.data[0]!.diff.after).toMatchObject({ revokedAt: expect.any(String) });
    // The admin's own workspace does not hold it.
    expect(
      (await stack.herald.client.audit.forEntity.query({ entityType: 'api_key', entityId: victim.id })).data,
    ).toEqual([]);
  });

  it('lets a key revoke itself', async () => {
    const admin = await keyClient(stack.herald, { permissions: ['admin'] });
    expect(await admin.client.apiKeys.revoke.mutate({ id: admin.id })).toEqual({ id: admin.id, revoked: true });
    expect(await codeOf(admin.client.apiKeys.list.query({}))).toBe('UNAUTHORIZED');
  });

  // Revokes every admin key but the stack's own, so it runs last in this file.
  it('refuses to revoke the last active admin key, and says what to do instead', async () => {
    const own = await stackAdminKeyId();
    for (const id of await activeAdminKeys()) if (id !== own) await stack.herald.client.apiKeys.revoke.mutate({ id });
    expect(await activeAdminKeys()).toEqual([own]);

    const refused = await failure(stack.herald.client.apiKeys.revoke.mutate({ id: own }));
    expect(refused.data).toMatchObject({ code: 'CONFLICT', httpStatus: 409 });
    expect(refused.message).toMatch(/last active key with the admin permission/);
    expect(refused.message).toMatch(/Create another key with the admin permission first/);
    const rest = await fetch(`${stack.herald.url}/v1/api-keys/${own}`, {
      method: 'DELETE',
      headers: { 'x-api-key': stack.herald.adminKey },
    });
    expect(rest.status).toBe(409);
    expect(((await rest.json()) as { error: { code: string } }).error.code).toBe('CONFLICT');
    expect(await codeOf(stack.herald.client.webhooks.list.query({}))).toBe('OK');

    // With a second admin key, either may go, itself included; then the other is the last again.
    const second = await keyClient(stack.herald, { permissions: ['admin'] });
    expect(await second.client.apiKeys.revoke.mutate({ id: second.id })).toEqual({ id: second.id, revoked: true });
    expect(await codeOf(stack.herald.client.apiKeys.revoke.mutate({ id: own }))).toBe('CONFLICT');

    // Two admin keys revoking each other at the same moment: one revocation wins, the other is refused, and one
    // admin key is left. The stack's key is restored afterwards if it lost, for the files' later tests.
    const rival = await keyClient(stack.herald, { permissions: ['admin'] });
    const outcomes = await Promise.all([
      codeOf(stack.herald.client.apiKeys.revoke.mutate({ id: rival.id })),
      codeOf(rival.client.apiKeys.revoke.mutate({ id: own })),
    ]);
    expect(outcomes.filter((code) => code === 'OK')).toHaveLength(1);
    expect(outcomes.filter((code) => code !== 'OK')).toEqual([expect.stringMatching(/^(CONFLICT|UNAUTHORIZED)$/)]);
    const left = await activeAdminKeys();
    expect(left).toHaveLength(1);
    if (left[0] !== own)
      await stack.herald.db.updateTable('api_keys').set({ revoked_at: null }).where('id', '=', own).execute();
  });
});
