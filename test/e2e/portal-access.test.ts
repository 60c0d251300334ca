import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HeraldClient } from '../../client/index.js';
import { portalAppRouter, type PortalRouter } from '../../server/api/routers/portal/index.js';
import { codeOf, failure } from '../support/errors.js';
import { workspaceWithKey } from '../support/keys.js';
import type { ReceivedRequest } from '../support/receiver.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

const stack = useStack();

type Portal = TRPCClient<PortalRouter>;

/** A portal client with these request headers (the session cookie, the CSRF header, an Origin…). */
function portalClient(headers: Record<string, string>): Portal {
  return createTRPCClient<PortalRouter>({ links: [httpLink({ url: `${stack.herald.url}/portal/trpc`, headers })] });
}

/** A portal link for `owner`, made by the app's backend with its API key. */
async function portalLink(
  client: HeraldClient,
  input: { owner: string; expiresIn?: number; permissions?: 'manage' | 'read' },
): Promise<string> {
  return (await client.portal.createSession.mutate(input)).url;
}

/** Opens a link as a browser does, without following the redirect: the answer and the session cookie it set. */
async function open(url: string): Promise<{ response: Response; cookie: string | undefined; setCookie: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('herald_portal=')) ?? '';
  const cookie = /^herald_portal=([^;]+)/.exec(setCookie)?.[1];
  return { response, cookie, setCookie };
}

/** A session's portal client, as the portal's own page calls it. */
async function session(client: HeraldClient, owner: string, permissions: 'manage' | 'read' = 'manage') {
  const { cookie } = await open(await portalLink(client, { owner, permissions }));
  expect(cookie).toBeDefined();
  return {
    cookie: cookie!,
    portal: portalClient({ cookie: `herald_portal=${cookie}`, 'x-herald-portal': '1', origin: stack.herald.url }),
  };
}

/** What another owner has, to try to reach: a webhook, a delivery to it, a recovery of it, its secret. */
interface Foreign {
  webhookId: string;
  url: string;
  secret: string;
  deliveryId: string;
  recoveryId: string;
}

/**
 * Every portal procedure, whether it changes anything, and a call aimed at another owner's things: it must answer
 * NOT_FOUND (`'not found'`), or succeed without showing any of them (`'not shown'`). The list is checked against
 * the router, so a new procedure without a case fails this file.
 */
const procedures: Array<
  [string, 'query' | 'mutation', 'not found' | 'not shown', (p: Portal, f: Foreign) => Promise<unknown>]
> = [
  ['session.get', 'query', 'not shown', (p) => p.session.get.query()],
  ['eventTypes.list', 'query', 'not shown', (p) => p.eventTypes.list.query()],
  ['webhooks.list', 'query', 'not shown', (p) => p.webhooks.list.query()],
  ['webhooks.get', 'query', 'not found', (p, f) => p.webhooks.get.query({ id: f.webhookId })],
  [
    'webhooks.create',
    'mutation',
    'not shown',
    (p) => p.webhooks.create.mutate({ url: `${stack.receiver.url}/mine`, events: ['order.created'] }),
  ],
  [
    'webhooks.update',
    'mutation',
    'not found',
    (p, f) => p.webhooks.update.mutate({ id: f.webhookId, name: 'taken over' }),
  ],
  ['webhooks.pause', 'mutation', 'not found', (p, f) => p.webhooks.pause.mutate({ id: f.webhookId })],
  ['webhooks.resume', 'mutation', 'not found', (p, f) => p.webhooks.resume.mutate({ id: f.webhookId })],
  ['webhooks.delete', 'mutation', 'not found', (p, f) => p.webhooks.delete.mutate({ id: f.webhookId })],
  ['webhooks.revealSecret', 'mutation', 'not found', (p, f) => p.webhooks.revealSecret.mutate({ id: f.webhookId })],
  ['webhooks.rotateSecret', 'mutation', 'not found', (p, f) => p.webhooks.rotateSecret.mutate({ id: f.webhookId })],
  ['webhooks.test', 'mutation', 'not found', (p, f) => p.webhooks.test.mutate({ id: f.webhookId })],
  ['deliveries.list', 'query', 'not shown', (p, f) => p.deliveries.list.query({ webhookId: f.webhookId })],
  ['deliveries.get', 'query', 'not found', (p, f) => p.deliveries.get.query({ id: f.deliveryId })],
  ['deliveries.resend', 'mutation', 'not found', (p, f) => p.deliveries.resend.mutate({ id: f.deliveryId })],
  [
    'recoveries.start',
    'mutation',
    'not found',
    (p, f) => p.recoveries.start.mutate({ webhookId: f.webhookId, since: new Date(Date.now() - 60_000).toISOString() }),
  ],
  ['recoveries.progress', 'query', 'not found', (p, f) => p.recoveries.progress.query({ recoveryId: f.recoveryId })],
];

describe('the portal router', () => {
  let app: Awaited<ReturnType<typeof workspaceWithKey>>;
  let foreign: Foreign;

  beforeAll(async () => {
    app = await workspaceWithKey(stack.herald, 'portal access');
    await app.client.eventTypes.create.mutate({ name: 'order.created', description: 'An order was placed.' });
    const theirs = await app.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/theirs`,
      events: ['order.created'],
      owner: 'customer_b',
    });
    const published = await app.client.events.publish.mutate({ type: 'order.created', data: { order: 1 } });
    const deliveryId = published.deliveries.find((d) => d.webhookId === theirs.id)!.id;
    const recovery = await app.client.webhooks.recover.mutate({
      id: theirs.id,
      since: new Date(Date.now() - 60_000).toISOString(),
    });
    foreign = { webhookId: theirs.id, url: theirs.url, secret: theirs.secret, deliveryId, recoveryId: recovery.id };
  });

  it('has a case here for every procedure', () => {
    expect(procedures.map(([name]) => name).sort()).toEqual(Object.keys(portalAppRouter._def.procedures).sort());
    for (const [name, type] of procedures) {
      const definition = (portalAppRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)[
        name
      ]!;
      expect(definition._def.type, name).toBe(type);
    }
  });

  it('answers 401 without a session, or with an unknown or ended one', async () => {
    const { cookie } = await session(app.client, 'customer_a');
    const withoutCookie = portalClient({ 'x-herald-portal': '1' });
    const unknown = portalClient({ 'x-herald-portal': '1', cookie: 'herald_portal=forged-value' });
    // The cookie is sent to /portal only: the main API takes no session.
    const mainApi = await fetch(`${stack.herald.url}/trpc/webhooks.list`, {
      headers: { cookie: `herald_portal=${cookie}` },
    });
    expect(mainApi.status).toBe(401);
    for (const [name, , , call] of procedures) {
      expect(await codeOf(call(withoutCookie, foreign)), name).toBe('UNAUTHORIZED');
      expect(await codeOf(call(unknown, foreign)), name).toBe('UNAUTHORIZED');
    }
    const plain = await fetch(`${stack.herald.url}/portal/trpc/webhooks.list`, { headers: { 'x-herald-portal': '1' } });
    expect(plain.status).toBe(401);
  });

  it('answers 403 without the CSRF header or from a foreign Origin', async () => {
    const { cookie } = await session(app.client, 'customer_a');
    const noHeader = portalClient({ cookie: `herald_portal=${cookie}` });
    const wrongHeader = portalClient({ cookie: `herald_portal=${cookie}`, 'x-herald-portal': 'yes' });
    const elsewhere = portalClient({
      cookie: `herald_portal=${cookie}`,
      'x-herald-portal': '1',
      origin: 'https://attacker.example',
    });
    for (const [name, , , call] of procedures) {
      expect(await codeOf(call(noHeader, foreign)), name).toBe('FORBIDDEN');
      expect(await codeOf(call(wrongHeader, foreign)), name).toBe('FORBIDDEN');
      expect(await codeOf(call(elsewhere, foreign)), name).toBe('FORBIDDEN');
    }
    const plain = await fetch(`${stack.herald.url}/portal/trpc/webhooks.list`, {
      headers: { cookie: `herald_portal=${cookie}` },
    });
    expect(plain.status).toBe(403);
  });

  it('refuses every mutation to a read-only session with 403, and answers its queries', async () => {
    const { portal } = await session(app.client, 'customer_a', 'read');
    expect((await portal.session.get.query()).permissions).toBe('read');
    for (const [name, type, , call] of procedures) {
      const code = await codeOf(call(portal, foreign));
      if (type === 'mutation') expect(code, name).toBe('FORBIDDEN');
      else expect(code, name).not.toBe('FORBIDDEN');
    }
  });

  it("never reaches another owner's webhook, delivery, recovery or secret", async () => {
    const { portal } = await session(app.client, 'customer_a');
    const unknownIds: Foreign = {
      ...foreign,
      webhookId: 'wh_01M892BR6GY3CPQNW23RBGT0CQ',
      deliveryId: 'del_01M892BS5R03P6C6HBWEA2DB6K',
      recoveryId: 'rec_01M892BW3G2J9G77Y9CHSMPJBJ',
    };
    for (const [name, , expected, call] of procedures) {
      if (expected === 'not found') {
        const refused = await failure(call(portal, foreign));
        expect(refused.data?.code, name).toBe('NOT_FOUND');
        expect(refused.data?.httpStatus, name).toBe(404);
        // Exactly as an id that does not exist.
        const unknown = await failure(call(portal, unknownIds));
        expect(refused.message.replace(/\S+_[0-9A-Z]{26}/g, 'ID'), name).toBe(
          unknown.message.replace(/\S+_[0-9A-Z]{26}/g, 'ID'),
        );
        expect(JSON.stringify(refused), name).not.toContain(foreign.secret);
      } else {
        const shown = JSON.stringify(await call(portal, foreign));
        for (const value of [foreign.webhookId, foreign.deliveryId, foreign.secret, foreign.url, 'customer_b'])
          expect(shown, name).not.toContain(value);
      }
    }
    // The other owner's things are untouched.
    const theirs = await app.client.webhooks.get.query({ id: foreign.webhookId });
    expect(theirs).toMatchObject({ name: expect.not.stringMatching(/taken over/), paused: false, owner: 'customer_b' });
    expect(theirs.secretRotation).toBeNull();
    const audit = await app.client.audit.forEntity.query({ entityType: 'webhook', entityId: foreign.webhookId });
    expect(audit.data.map((entry) => entry.actorId)).not.toContain('portal:customer_a');
  });
});

describe('portal sessions', () => {
  it('creates a link with an API key (REST 201), opens it once with a session cookie, and refuses it again', async () => {
    const app = await workspaceWithKey(stack.herald, 'portal links');
    const created = await fetch(`${stack.herald.url}/v1/portal/sessions`, {
      method: 'POST',
      headers: { 'x-api-key': app.key, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'customer_a', branding: { accentColor: '#3355ff' } }),
    });
    expect(created.status).toBe(201);
    const { url, expiresAt } = (await created.json()) as { url: string; expiresAt: string };
    expect(url).toMatch(new RegExp(`^${stack.herald.url}/portal/session/[A-Za-z0-9_-]{43}$`));
    expect(new Date(expiresAt).getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(new Date(expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(3600_000);

    const first = await open(url);
    expect(first.response.status).toBe(303);
    expect(first.response.headers.get('location')).toBe('/portal/');
    const attributes = first.setCookie.split(';').map((part) => part.trim());
    expect(attributes[0]).toMatch(/^herald_portal=[A-Za-z0-9_-]{43}$/);
    expect(attributes).toEqual(
      expect.arrayContaining(['Path=/portal', 'HttpOnly', 'Secure', 'SameSite=None', 'Partitioned']),
    );
    const maxAge = Number(attributes.find((a) => a.startsWith('Max-Age='))?.slice('Max-Age='.length));
    expect(maxAge).toBeGreaterThan(3500);
    expect(maxAge).toBeLessThanOrEqual(3600);

    const portal = portalClient({ cookie: `herald_portal=${first.cookie}`, 'x-herald-portal': '1' });
    expect(await portal.session.get.query()).toEqual({
      owner: 'customer_a',
      permissions: 'manage',
      expiresAt,
      workspace: { name: 'portal links' },
      branding: { name: 'portal links', logoUrl: null, accentColor: '#3355ff' },
    });

    const again = await open(url);
    expect(again.response.status).toBe(410);
    expect(again.cookie).toBeUndefined();
    const page = await again.response.text();
    expect(again.response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page).toMatch(/no longer valid/);
    expect(page).not.toMatch(/<script/i);
    expect((await open(`${stack.herald.url}/portal/session/not-a-token`)).response.status).toBe(404);

    // Only hashes are stored; the creation is audited without the token.
    const token = url.split('/').pop()!;
    const rows = await stack.herald.db.selectFrom('portal_sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain(first.cookie);
    const audit = await app.client.audit.list.query({});
    const entry = audit.data.find((e) => e.event === 'portal.createSession');
    expect(entry).toBeDefined();
    expect(JSON.stringify(audit.data)).not.toContain(token);
  });

  it('ends the session when it expires', async () => {
    const app = await workspaceWithKey(stack.herald, 'portal expiry');
    const { cookie } = await open(await portalLink(app.client, { owner: 'customer_a', expiresIn: 5 }));
    const portal = portalClient({ cookie: `herald_portal=${cookie}`, 'x-herald-portal': '1' });
    expect((await portal.session.get.query()).owner).toBe('customer_a');
    await waitFor(async () => (await codeOf(portal.session.get.query())) === 'UNAUTHORIZED', {
      timeoutMs: 20_000,
      intervalMs: 250,
      what: 'the session to end',
    });
  });

  it('refuses a session longer than 24 hours or without an owner, and a key that cannot manage webhooks', async () => {
    const app = await workspaceWithKey(stack.herald, 'portal refusals');
    expect(await codeOf(app.client.portal.createSession.mutate({ owner: 'a', expiresIn: 86_401 }))).toBe('BAD_REQUEST');
    expect(await codeOf(app.client.portal.createSession.mutate({ owner: ' ' }))).toBe('BAD_REQUEST');
    const reader = await stack.herald.client.apiKeys.create.mutate({
      name: 'reader',
      permissions: ['webhooks:read'],
      mode: 'live',
      workspaceId: app.workspaceId,
    });
    const refused = await fetch(`${stack.herald.url}/v1/portal/sessions`, {
      method: 'POST',
      headers: { 'x-api-key': reader.key, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'customer_a' }),
    });
    expect(refused.status).toBe(403);
  });
});

describe('an owner manages their webhooks in the portal', () => {
  it('creates, tests, sees a failure and its attempts, resends, rotates and reveals the secret', async () => {
    const app = await workspaceWithKey(stack.herald, 'portal flows');
    for (const name of ['order.created', 'order.shipped', 'invoice.paid'])
      await app.client.eventTypes.create.mutate({ name, description: `${name} happened` });
    const settings = await app.client.workspaces.update.mutate({
      id: app.workspaceId,
      portal: { eventTypes: ['order.*'], frameAncestors: ['https://shop.example.com'], branding: { name: 'Acme' } },
    });
    expect(settings.portal).toEqual({
      eventTypes: ['order.*'],
      frameAncestors: ['https://shop.example.com'],
      branding: { name: 'Acme' },
    });
    const settingsAudit = await app.client.audit.forEntity.query({
      entityType: 'workspace',
      entityId: app.workspaceId,
    });
    expect(JSON.stringify(settingsAudit.data[0]?.diff)).toContain('shop.example.com');

    const { portal } = await session(app.client, 'customer_a');
    expect((await portal.session.get.query()).branding.name).toBe('Acme');
    expect((await portal.eventTypes.list.query()).map((t) => t.name)).toEqual(['order.created', 'order.shipped']);

    // Only what the workspace offers, and only URLs the endpoint policy allows.
    const offered = await failure(
      portal.webhooks.create.mutate({ url: 'http://10.1.2.3/hook', events: ['invoice.paid'] }),
    );
    expect(offered.data?.code).toBe('BAD_REQUEST');
    expect(offered.message).toMatch(/url/);
    expect(offered.message).toMatch(/invoice\.paid is not offered/);

    const path = '/portal-flow';
    const hook = await portal.webhooks.create.mutate({ url: `${stack.receiver.url}${path}`, events: ['order.*'] });
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await app.client.webhooks.get.query({ id: hook.id })).owner).toBe('customer_a');
    expect((await portal.webhooks.list.query()).map((w) => w.id)).toEqual([hook.id]);

    // A test send, reported at once.
    stack.receiver.behave(() => ({ status: 200, body: 'OK' }));
    const report = await portal.webhooks.test.mutate({ id: hook.id, eventType: 'order.shipped' });
    expect(report).toMatchObject({
      testsRun: 1,
      testsSucceeded: 1,
      tests: [{ eventType: 'order.shipped', statusCode: 200 }],
    });

    // A delivery that fails every attempt: its attempts are in the log.
    stack.receiver.behave((request) =>
      request.path === path ? { status: 503, body: '<b>down</b>' } : { status: 200, body: 'OK' },
    );
    const published = await app.client.events.publish.mutate({ type: 'order.created', data: { order: 7 } });
    const deliveryId = published.deliveries.find((d) => d.webhookId === hook.id)!.id;
    const failed = await waitFor(async () => {
      const delivery = await portal.deliveries.get.query({ id: deliveryId });
      return delivery.status === 'failed' ? delivery : undefined;
    });
    expect(failed.payload).toEqual({ order: 7 });
    expect(failed.attempts).toHaveLength(5);
    expect(failed.attempts[0]).toMatchObject({ attemptNumber: 1, statusCode: 503, responseExcerpt: '<b>down</b>' });
    const listed = await portal.deliveries.list.query({ webhookId: hook.id, statusClass: '5xx' });
    expect(listed.data.map((d) => d.id)).toEqual([deliveryId]);
    const health = (await portal.webhooks.get.query({ id: hook.id })).health;
    expect(health).toMatchObject({
      successRate: 0,
      deliveriesLast24h: 1,
      lastFailureReason: expect.stringMatching(/503/),
    });

    // Resent once the endpoint is back.
    stack.receiver.behave(() => ({ status: 200, body: 'OK' }));
    expect(await portal.deliveries.resend.mutate({ id: deliveryId })).toEqual({ deliveryId });
    await waitFor(async () => (await portal.deliveries.get.query({ id: deliveryId })).status === 'succeeded');

    // A new secret, at once (no grace period): the next delivery verifies with it.
    const rotated = await portal.webhooks.rotateSecret.mutate({ id: hook.id, gracePeriod: 0 });
    expect(rotated.secret).not.toBe(hook.secret);
    expect(rotated.previousValidUntil).toBeNull();
    const before = stack.receiver.requests.length;
    const next = await app.client.events.publish.mutate({ type: 'order.created', data: { order: 8 } });
    const [request] = await stack.receiver.waitForRequests(1, {
      matching: (r: ReceivedRequest) => r.path === path && r.rawBody.includes(next.id),
    });
    expect(stack.receiver.requests.length).toBeGreaterThan(before);
    expect(() => new StandardWebhook(rotated.secret).verify(request!.rawBody, headersOf(request!))).not.toThrow();
    expect(() => new StandardWebhook(hook.secret).verify(request!.rawBody, headersOf(request!))).toThrow();

    // Revealed on purpose, audited without the secret.
    expect(await portal.webhooks.revealSecret.mutate({ id: hook.id })).toEqual({ secret: rotated.secret });
    const audit = await app.client.audit.forEntity.query({ entityType: 'webhook', entityId: hook.id });
    const reveal = audit.data.find((entry) => entry.event === 'webhooks.revealSecret');
    expect(reveal?.actorId).toBe('portal:customer_a');
    expect(audit.data.find((entry) => entry.event === 'webhooks.create')?.actorId).toBe('portal:customer_a');
    const logged = JSON.stringify(audit.data);
    expect(logged).not.toContain(rotated.secret);
    expect(logged).not.toContain(hook.secret);

    // Pause, resume, recover, delete.
    expect((await portal.webhooks.pause.mutate({ id: hook.id })).paused).toBe(true);
    expect((await portal.webhooks.resume.mutate({ id: hook.id })).paused).toBe(false);
    const { recoveryId } = await portal.recoveries.start.mutate({
      webhookId: hook.id,
      since: new Date(Date.now() - 3_600_000).toISOString(),
    });
    await waitFor(async () => (await portal.recoveries.progress.query({ recoveryId })).finished);
    expect(await portal.webhooks.update.mutate({ id: hook.id, name: 'Orders' })).toMatchObject({ name: 'Orders' });
    await portal.webhooks.delete.mutate({ id: hook.id });
    expect(await portal.webhooks.list.query()).toEqual([]);
    // Its history stays readable.
    expect((await portal.deliveries.get.query({ id: deliveryId })).status).toBe('succeeded');
  });
});

function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
}
