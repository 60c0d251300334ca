import { describe, expect, it } from 'vitest';
import { keyClient } from '../support/keys.js';
import { useStack } from '../support/stack.js';

const stack = useStack();
describe('audit log', () => {
  it('records every change with actor, action, entity, a redacted diff and the request id', async () => {
    const manager = await keyClient(stack.herald, { permissions: ['webhooks:manage', 'webhooks:read'] });
    const hook = await manager.client.webhooks.create.mutate({
      url: 'http://127.0.0.1:9/audited',
      events: ['audit.me'],
      secret: 'a-secret-of-sixteen-plus',
    });
    await manager.client.webhooks.update.mutate({ id: hook.id, name: 'Renamed' });
    await manager.client.webhooks.update.mutate({ id: hook.id, active: false });
    await manager.client.webhooks.update.mutate({ id: hook.id, active: true });
    const rotated = await manager.client.webhooks.rotateSecret.mutate({ id: hook.id });
    await manager.client.webhooks.delete.mutate({ id: hook.id });

    const { data } = await stack.herald.client.audit.forEntity.query({ entityType: 'webhook', entityId: hook.id });
    expect(data.map((e) => e.event)).toEqual([
      'webhooks.delete',
      'webhooks.rotateSecret',
      'webhooks.enable',
      'webhooks.disable',
      'webhooks.update',
      'webhooks.create',
    ]);
    expect(
      data.every((e) => e.actorId === manager.id && e.entityType === 'webhook' && /^req_/.test(e.requestId ?? '')),
    ).toBe(true);
    expect(data[4]!.diff).toEqual({ before: { name: '127.0.0.1:9' }, after: { name: 'Renamed' } });
    expect(data[3]!.diff).toEqual({ before: { active: true }, after: { active: false } });
    // A rotation: the secret redacted, the grace period the old one keeps.
    expect(data[1]!.diff).toEqual({
      before: { secret: '[redacted]' },
      after: { secret: '[redacted]', gracePeriod: '24h' },
    });
    expect(data[5]!.diff.before).toBeNull();
    expect(data[5]!.diff.after).toMatchObject({ url: 'http://127.0.0.1:9/audited', events: ['audit.me'] });
    const everything = JSON.stringify(await stack.herald.db.selectFrom('audit_log').selectAll().execute());
    expect(everything).not.toContain('a-secret-of-sixteen-plus');
    expect(everything).not.toContain(rotated.secret);
  });

  it('records key and workspace management without the keys themselves', async () => {
    const created = await stack.herald.client.apiKeys.create.mutate({
      name: 'audited key',
      permissions: ['audit:read'],
      mode: 'live',
    });
    await stack.herald.client.apiKeys.revoke.mutate({ id: created.id });
    const { data } = await stack.herald.client.audit.forEntity.query({ entityType: 'api_key', entityId: created.id });
    expect(data.map((e) => e.event)).toEqual(['apiKeys.revoke', 'apiKeys.create']);
    expect(JSON.stringify(data)).not.toContain(created.key);
    const workspace = await stack.herald.client.workspaces.create.mutate({ name: 'Audited Inc' });
    expect(workspace.id).toMatch(/^ws_/);
  });

  it('filters by entity type, entity, event, actor and time, newest first', async () => {
    const writer = await keyClient(stack.herald, { permissions: ['webhooks:manage'] });
    const before = new Date().toISOString();
    const a = await writer.client.webhooks.create.mutate({ url: 'http://127.0.0.1:9/a', events: ['audit.filter'] });
    const b = await writer.client.webhooks.create.mutate({ url: 'http://127.0.0.1:9/b', events: ['audit.filter'] });
    await writer.client.webhooks.update.mutate({ id: a.id, description: 'changed' });
    const after = new Date(Date.now() + 1).toISOString();

    const byActor = await stack.herald.client.audit.list.query({ actorId: writer.id });
    expect(byActor.data.map((e) => [e.event, e.entityId])).toEqual([
      ['webhooks.update', a.id],
      ['webhooks.create', b.id],
      ['webhooks.create', a.id],
    ]);
    expect(
      (await stack.herald.client.audit.list.query({ event: 'webhooks.update', actorId: writer.id })).data,
    ).toHaveLength(1);
    expect((await stack.herald.client.audit.list.query({ entityType: 'webhook', entityId: b.id })).data).toHaveLength(
      1,
    );
    expect(
      (await stack.herald.client.audit.list.query({ actorId: writer.id, from: before, to: after })).data,
    ).toHaveLength(3);
    expect((await stack.herald.client.audit.list.query({ actorId: writer.id, to: before })).data).toHaveLength(0);
    expect((await stack.herald.client.audit.list.query({ actorId: writer.id, from: after })).data).toHaveLength(0);
  });

  it('returns 50 entries by default, never more than 100, and pages with a cursor', async () => {
    const writer = await keyClient(stack.herald, { permissions: ['webhooks:manage'] });
    const hook = await writer.client.webhooks.create.mutate({ url: 'http://127.0.0.1:9/many', events: ['audit.many'] });
    for (let i = 0; i < 120; i++)
      await writer.client.webhooks.update.mutate({ id: hook.id, description: `change ${i}` });
    expect((await stack.herald.client.audit.list.query({ actorId: writer.id })).data).toHaveLength(50);
    expect((await stack.herald.client.audit.list.query({ actorId: writer.id, limit: 500 })).data).toHaveLength(100);
    const first = await stack.herald.client.audit.forEntity.query({
      entityType: 'webhook',
      entityId: hook.id,
      limit: 100,
    });
    expect(first.data).toHaveLength(100);
    const second = await stack.herald.client.audit.forEntity.query({
      entityType: 'webhook',
      entityId: hook.id,
      limit: 100,
      cursor: first.nextCursor!,
    });
    expect(second.data).toHaveLength(21);
    expect(second.nextCursor).toBeNull();
    expect(second.data.at(-1)!.event).toBe('webhooks.create');
    expect(first.data[0]!.diff.after).toEqual({ description: 'change 119' });
  });
});
