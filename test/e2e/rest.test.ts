import { beforeAll, describe, expect, it } from 'vitest';
import { type OpenApiDocument, responseChecker, type Route, routesOf } from '../support/openapi.js';
import { waitFor } from '../support/wait-for.js';
import { useStack } from '../support/stack.js';

let document: OpenApiDocument;
let check: ReturnType<typeof responseChecker>;

const stack = useStack({
  env: { HERALD_RETRY_SCHEDULE: '0' },
  receiver: (r) => (r.path.startsWith('/fail') ? { status: 500 } : { status: 200, body: 'OK' }),
});
beforeAll(async () => {
  document = (await (await fetch(`${stack.herald.url}/openapi.json`)).json()) as OpenApiDocument;
  check = responseChecker(document);
});

/** A REST call with the admin key, checked against the OpenAPI document before anything else. */
async function rest(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.herald.url}/v1${path}`, {
    method,
    headers: {
      'x-api-key': stack.herald.adminKey,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const route = routeFor(method, path);
  const problem = check(route, response.status, text, response.headers);
  expect(problem, problem).toBeUndefined();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

function routeFor(method: string, path: string): Route {
  const bare = path.split('?')[0]!;
  const route = routesOf(document).find(
    (r) => r.method === method && new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare),
  );
  if (!route) throw new Error(`no documented route for ${method} ${bare}`);
  return route;
}

describe('REST API', () => {
  it('serves a complete OpenAPI 3.1 document and a reference page', async () => {
    expect(document.openapi).toBe('3.1.0');
    const listed = routesOf(document).map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'POST /webhooks',
      'GET /webhooks',
      'GET /webhooks/{id}',
      'PATCH /webhooks/{id}',
      'DELETE /webhooks/{id}',
      'POST /webhooks/{id}/test',
      'GET /webhooks/{id}/deliveries',
      'POST /deliveries/{id}/retry',
      'GET /event-types',
      'POST /event-types',
      'POST /events',
      'GET /audit',
      'GET /audit/{entityType}/{entityId}',
      'POST /workspaces',
      'GET /workspaces',
      'POST /api-keys',
      'GET /api-keys',
      'DELETE /api-keys/{id}',
    ]) {
      expect(listed).toContain(expected);
    }
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
    for (const route of routesOf(document)) {
      expect(route.operation.security, `${route.method} ${route.path}`).toEqual([{ apiKey: [] }, { bearer: [] }]);
      for (const status of ['400', '401', '403', '404', '409', '413', '415', '500', '503'])
        expect(route.operation.responses[status]).toBeDefined();
    }
    const docs = await fetch(`${stack.herald.url}/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('manages, tests and deletes a webhook and reads its delivery log over plain HTTP', async () => {
    const created = await rest('POST', '/webhooks', {
      name: 'Order Notifications',
      url: `${stack.receiver.url}/rest`,
      events: ['order.created', 'order.shipped'],
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const id = created.body.id;
    expect(created.headers.get('location')).toBe(`/v1/webhooks/${id}`);
    const located = await rest('GET', created.headers.get('location')!.slice('/v1'.length));
    expect(located.body).toMatchObject({ id, name: 'Order Notifications' });

    expect((await rest('GET', '/webhooks')).body.data.map((w: { id: string }) => w.id)).toContain(id);
    expect((await rest('GET', `/webhooks/${id}`)).body).not.toHaveProperty('secret');
    expect((await rest('PATCH', `/webhooks/${id}`, { description: 'via REST' })).body.description).toBe('via REST');

    const report = await rest('POST', `/webhooks/${id}/test`, { eventType: 'order.created' });
    expect(report.body).toMatchObject({ testsRun: 1, testsSucceeded: 1, testsFailed: 0 });
    // A bare POST, no body and no content type, as `curl -X POST` sends it.
    const bare = await fetch(`${stack.herald.url}/v1/webhooks/${id}/test`, {
      method: 'POST',
      headers: { 'x-api-key': stack.herald.adminKey },
    });
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as any).testsRun).toBe(2);

    const published = await rest('POST', '/events', {
      id: 'evt_rest_1',
      type: 'order.shipped',
      data: { orderId: 'ord_abc123' },
    });
    expect(published.body).toMatchObject({ id: 'evt_rest_1', duplicate: false });
    await waitFor(
      async () =>
        (await rest('GET', `/webhooks/${id}/deliveries?status=succeeded&eventType=order.shipped`)).body.data.length ===
        1,
    );
    const log = await rest('GET', `/webhooks/${id}/deliveries?limit=10`);
    expect(log.body.data.map((d: { eventType: string }) => d.eventType).sort()).toEqual([
      'order.created',
      'order.created',
      'order.shipped',
      'order.shipped',
    ]);

    const deleted = await fetch(`${stack.herald.url}/v1/webhooks/${id}`, {
      method: 'DELETE',
      headers: { 'x-api-key': stack.herald.adminKey },
    });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect((await rest('GET', `/webhooks/${id}`)).status).toBe(404);
  });

  it('retries a failed delivery, manages the catalog, keys and workspaces, and reads the audit log', async () => {
    const hook = (await rest('POST', '/webhooks', { url: `${stack.receiver.url}/fail`, events: ['retry.rest'] })).body;
    const published = (await rest('POST', '/events', { type: 'retry.rest', data: {} })).body;
    const deliveryId = published.deliveries[0].id;
    await waitFor(async () => (await rest('GET', `/deliveries/${deliveryId}`)).body.status === 'failed');
    expect((await rest('POST', `/deliveries/${deliveryId}/retry`)).body).toMatchObject({
      id: deliveryId,
      status: 'pending',
    });

    const type = await rest('POST', '/event-types', { name: 'retry.rest', description: 'REST-made' });
    expect(type.status).toBe(201);
    expect(type.headers.get('location')).toBe('/v1/event-types/retry.rest');
    expect((await rest('GET', '/event-types')).body.data.map((t: { name: string }) => t.name)).toEqual(['retry.rest']);

    const createdWorkspace = await rest('POST', '/workspaces', { name: 'REST tenant' });
    const workspace = createdWorkspace.body;
    expect(createdWorkspace.status).toBe(201);
    expect(createdWorkspace.headers.get('location')).toBe(`/v1/workspaces/${workspace.id}`);
    expect((await rest('GET', '/workspaces')).body.data.map((w: { id: string }) => w.id)).toContain(workspace.id);
    const createdKey = await rest('POST', '/api-keys', {
      workspaceId: workspace.id,
      name: 'REST key',
      permissions: ['webhooks:read'],
      mode: 'test',
    });
    const key = createdKey.body;
    expect(createdKey.status).toBe(201);
    expect(createdKey.headers.get('location')).toBe(`/v1/api-keys/${key.id}`);
    expect(key.key).toMatch(/^hk_test_/);
    expect(
      (await rest('GET', `/api-keys?workspaceId=${workspace.id}`)).body.data.map((k: { id: string }) => k.id),
    ).toEqual([key.id]);
    expect((await rest('GET', `/api-keys/${key.id}`)).body).toMatchObject({ id: key.id, revokedAt: null });
    // Another workspace's key, revoked by its id alone.
    const revoked = await fetch(`${stack.herald.url}/v1/api-keys/${key.id}`, {
      method: 'DELETE',
      headers: { 'x-api-key': stack.herald.adminKey },
    });
    expect(revoked.status).toBe(204);
    expect((await rest('GET', `/api-keys/${key.id}`)).body.revokedAt).not.toBeNull();

    const audit = await rest('GET', `/audit?entityType=webhook&entityId=${hook.id}&limit=10`);
    expect(audit.body.data.map((e: { event: string }) => e.event)).toEqual(['webhooks.create']);
    const history = await rest('GET', `/audit/delivery/${deliveryId}`);
    expect(history.body.data.map((e: { event: string }) => e.event)).toEqual(['deliveries.retry']);
  });

  it('answers every bad request with one error shape and the right status', async () => {
    const post = (body: string, contentType = 'application/json') =>
      fetch(`${stack.herald.url}/v1/webhooks`, {
        method: 'POST',
        headers: { 'x-api-key': stack.herald.adminKey, 'content-type': contentType },
        body,
      });

    const malformed = await post('{"url": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/Malformed|JSON/i),
    });

    const wrongType = await post('url=http://x', 'application/x-www-form-urlencoded');
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as any).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const huge = await post(
      JSON.stringify({ url: `${stack.receiver.url}/x`, events: ['a.b'], description: 'x'.repeat(300_000) }),
    );
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as any).error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringMatching(/262144 bytes/),
    });

    // Every invalid field at once: the URL (judged by the endpoint policy) as well as the schema's refusals.
    const invalid = await rest('POST', '/webhooks', { url: 'not a url', events: [] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.issues).toEqual([
      { path: 'url', message: expect.stringMatching(/absolute URL/) },
      { path: 'events', message: expect.stringMatching(/at least one/) },
    ]);
    expect(invalid.body.error.message).toMatch(/url: .*events: /);
    // Past the schema, the endpoint policy and the catalog judge their fields together, and both are reported.
    await rest('POST', '/event-types', { name: 'shape.checked' });
    const policy = await rest('POST', '/webhooks', { url: 'ftp://127.0.0.1/x', events: ['shape.checked', 'a.b'] });
    expect(policy.body.error).toMatchObject({
      code: 'BAD_REQUEST',
      issues: [
        { path: 'url', message: expect.stringMatching(/https/) },
        { path: 'events.1', message: expect.stringMatching(/unknown event type a\.b/) },
      ],
    });

    const unknownRoute = await fetch(`${stack.herald.url}/v1/nothing-here`, {
      headers: { 'x-api-key': stack.herald.adminKey },
    });
    expect(unknownRoute.status).toBe(404);
    expect(((await unknownRoute.json()) as any).error.code).toBe('NOT_FOUND');
    const unknownTop = await fetch(`${stack.herald.url}/nothing-here`);
    expect((await unknownTop.json()) as any).toEqual({
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/openapi\.json/) },
    });

    // Publishing is not a creation with a route of its own: 200, no Location.
    const conflict = await rest('POST', '/events', { id: 'evt_rest_conflict', type: 'retry.rest', data: { v: 1 } });
    expect(conflict.status).toBe(200);
    expect(conflict.headers.get('location')).toBeNull();
    expect(
      (await rest('POST', '/events', { id: 'evt_rest_conflict', type: 'retry.rest', data: { v: 2 } })).status,
    ).toBe(409);
  });

  it('treats an empty body sent as JSON as no input, as many HTTP clients send it', async () => {
    await rest('POST', '/event-types', { name: 'empty.body' });
    const { status, body: hook } = await rest('POST', '/webhooks', {
      url: `${stack.receiver.url}/empty-body`,
      events: ['empty.body'],
    });
    expect(status).toBe(201);
    // DELETE with `Content-Type: application/json` and nothing after it.
    const deleted = await fetch(`${stack.herald.url}/v1/webhooks/${hook.id}`, {
      method: 'DELETE',
      headers: { 'x-api-key': stack.herald.adminKey, 'content-type': 'application/json' },
    });
    expect(deleted.status).toBe(204);
    // A create with no body at all names the fields it needs, rather than complaining about the body.
    const create = await fetch(`${stack.herald.url}/v1/webhooks`, {
      method: 'POST',
      headers: { 'x-api-key': stack.herald.adminKey, 'content-type': 'application/json' },
    });
    expect(create.status).toBe(400);
    expect(
      ((await create.json()) as { error: { issues: Array<{ path: string }> } }).error.issues.map((i) => i.path),
    ).toContain('url');
  });

  it('refuses JSON that Postgres cannot store (a NUL character) in an event type, naming the field', async () => {
    for (const [field, value] of [
      ['example', { note: 'nul \u0000 here' }],
      ['example', { ['key\u0000']: 1 }],
      ['schema', { type: 'object', description: 'nul \u0000' }],
    ] as const) {
      const { status, body } = await rest('POST', '/event-types', { name: `nul.${field}`, [field]: value });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({
        code: 'BAD_REQUEST',
        issues: [{ path: field, message: expect.stringMatching(/NUL/) }],
      });
    }
  });
});
