import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { mangled, type OpenApiDocument, responseChecker, type Route, routesOf, valuesOf } from '../support/openapi.js';
import { workspaceWithKey } from '../support/keys.js';
import { useStack } from '../support/stack.js';

/**
 * Property-based fuzzing of every REST route, driven by /openapi.json: valid and broken requests, generated from
 * the document's own schemas, must never get a 5xx nor an answer the document does not describe. Valid bodies come
 * from the document alone but for one thing: every webhook URL points at a receiver on 127.0.0.1 (the document
 * allows any), and Herald may reach only loopback, so the routes that send (publish, test, retry, recover) deliver
 * nowhere else. The second test takes the document's word for URLs too, where nothing is ever sent.
 */
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 120);

let document: OpenApiDocument;
const known: Record<string, string[]> = {
  id: [],
  name: [],
  entityId: [],
  entityType: ['webhook', 'delivery', 'api_key', 'event_type'],
};

const stack = useStack({
  env: { HERALD_RETRY_SCHEDULE: '0,10ms', HERALD_ATTEMPT_TIMEOUT: '1s' },
  receiver: (r) => ({ status: r.path.includes('fail') ? 500 : 200 }),
});
beforeAll(async () => {
  document = (await (await fetch(`${stack.herald.url}/openapi.json`)).json()) as OpenApiDocument;
  // Real ids in the mix, so generated requests reach the code behind NOT_FOUND too.
  const hook = await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/fuzz`, events: ['*'] });
  const failing = await stack.herald.client.webhooks.create.mutate({
    url: `${stack.receiver.url}/fuzz-fail`,
    events: ['fuzz.fail'],
  });
  const event = await stack.herald.client.events.publish.mutate({ type: 'fuzz.fail', data: { n: 1 } });
  const key = await stack.herald.client.apiKeys.create.mutate({
    name: 'fuzzed',
    permissions: ['webhooks:read'],
    mode: 'live',
  });
  known.id!.push(hook.id, failing.id, event.deliveries[0]!.id, key.id);
  known.entityId!.push(hook.id, event.deliveries[0]!.id);
});

function loopbackUrl() {
  return fc.constantFrom('/fuzz', '/fuzz-fail', '/x/y?z=1').map((path) => `${stack.receiver.url}${path}`);
}

/**
 * An empty segment, `.` or `..` is not an id a client can send: URL parsing drops or collapses it (encodeURIComponent
 * leaves dots alone), so `GET /deliveries/.` reaches `GET /deliveries/` and would be judged by the wrong operation.
 */
function isOwnPathSegment(value: unknown) {
  return !['', '.', '..'].includes(String(value));
}

function requestFor(route: Route) {
  const { operation } = route;
  const override = (name: string) => (name === 'url' ? loopbackUrl() : undefined);
  const params = operation.parameters ?? [];
  const pathParams = fc.record(
    Object.fromEntries(
      params
        .filter((p) => p.in === 'path')
        .map((p) => [
          p.name,
          fc
            .oneof(
              fc.constantFrom(...(known[p.name]?.length ? known[p.name]! : ['x'])),
              valuesOf(p.schema, document, override),
            )
            .filter(isOwnPathSegment),
        ]),
    ),
  );
  const query = fc.record(
    Object.fromEntries(
      params
        .filter((p) => p.in === 'query')
        .map((p) => [p.name, fc.oneof(valuesOf(p.schema, document, override), fc.string({ maxLength: 12 }))]),
    ),
    { requiredKeys: [] },
  );
  const schema = operation.requestBody?.content['application/json']?.schema;
  const body = schema
    ? valuesOf(schema, document, override).chain((valid) =>
        fc.oneof(
          { weight: 3, arbitrary: fc.constant({ value: valid, valid: true }) },
          { weight: 1, arbitrary: mangled(valid).map((value) => ({ value, valid: false })) },
        ),
      )
    : fc.constant({ value: undefined, valid: false });
  return fc.record({ pathParams, query, body });
}

it(
  `answers ${RUNS_PER_ROUTE} generated requests per route without a 5xx or an undocumented response`,
  { timeout: 600_000 },
  async () => {
    const check = responseChecker(document);
    const routes = routesOf(document);
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const statuses = new Map<number, number>();
    /** What became of the bodies generated as valid, by route: how many were sent, and how many succeeded. */
    const validBodies: Record<string, { sent: number; accepted: number }> = {};
    for (const route of routes) {
      if (process.env.FUZZ_TRACE) process.stderr.write(`fuzzing ${route.method} ${route.path}\n`);
      await fc.assert(
        fc.asyncProperty(requestFor(route), async ({ pathParams, query, body: { value: body, valid } }) => {
          const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
            encodeURIComponent(String((pathParams as Record<string, unknown>)[name])),
          );
          const search = new URLSearchParams(
            Object.entries(query as Record<string, unknown>)
              .filter(([, v]) => v !== undefined)
              .map(([k, v]): [string, string] => [k, String(v)]),
          );
          const response = await fetch(`${stack.herald.url}/v1${path}${search.size ? `?${search}` : ''}`, {
            method: route.method,
            headers: {
              'x-api-key': stack.herald.adminKey,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          // A stream (the attempt stream) stays open: its answer is judged by its status and headers, then dropped.
          const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
          const text = streaming ? (await response.body?.cancel(), '') : await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (valid) {
            const tally = (validBodies[`${route.method} ${route.path}`] ??= { sent: 0, accepted: 0 });
            tally.sent += 1;
            if (response.status < 300) tally.accepted += 1;
          }
          expect(response.status, `${route.method} ${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
          const problem = check(route, response.status, text, response.headers);
          expect(problem, problem).toBeUndefined();
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
    process.stderr.write(
      `fuzz: ${[...statuses.values()].reduce((a, b) => a + b, 0)} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`,
    );
    process.stderr.write(`fuzz: bodies generated as valid ${JSON.stringify(validBodies)}\n`);
    // The fuzzer must reach the happy paths, not only the validation errors.
    const succeeded = [...statuses].filter(([status]) => status < 300).reduce((sum, [, count]) => sum + count, 0);
    expect(succeeded).toBeGreaterThan(routes.length * 5);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(routes.length * 5);
  },
);

/**
 * Bodies generated from the document alone, with no help from the test (any URL, name or secret the document
 * allows), must pass validation: the document states what the validation enforces. The only refusals allowed are
 * those of checks the document can only describe in words (an event type's schema must compile, and its example
 * satisfy it; rules across the items of a list). The bodies go to workspaces of their own where nothing is ever published, so no webhook made here
 * is ever called (its URL may name any host).
 */
it('accepts the request bodies its document describes', { timeout: 600_000 }, async () => {
  const hooks = await workspaceWithKey(stack.herald, 'conformance: webhooks');
  const catalog = await workspaceWithKey(stack.herald, 'conformance: catalog');
  const events = await workspaceWithKey(stack.herald, 'conformance: events');
  const none = () => undefined;
  const routes: Array<{
    method: string;
    path: string;
    key: string;
    override: (name: string) => fc.Arbitrary<unknown> | undefined;
    describedOnly?: RegExp;
  }> = [
    // One standard-webhooks scheme and one header per body signature, a custom header not named like one: rules
    // across items, which the document states in words.
    {
      method: 'POST',
      path: '/webhooks',
      key: hooks.key,
      override: none,
      describedOnly: /^(signatureProfile\.schemes|headers\..*)$/,
    },
    {
      method: 'POST',
      path: '/event-types',
      key: catalog.key,
      override: none,
      describedOnly: /^(schema|example)(\.|$)/,
    },
    // An ordering key and a scheduled time do not go together: a rule across fields, stated in words.
    { method: 'POST', path: '/events', key: events.key, override: none, describedOnly: /^orderingKey$/ },
    // Unique ids within a batch: a rule across items.
    {
      method: 'POST',
      path: '/events/batch',
      key: events.key,
      override: none,
      describedOnly: /^events(\.\d+\.orderingKey)?$/,
    },
    { method: 'POST', path: '/workspaces', key: stack.herald.adminKey, override: none },
    // A key's workspace must exist, which no schema can say: the test names one.
    {
      method: 'POST',
      path: '/api-keys',
      key: stack.herald.adminKey,
      override: (name) => (name === 'workspaceId' ? fc.constant(hooks.workspaceId) : undefined),
    },
  ];
  const shares: Record<string, { sent: number; accepted: number; statuses: Record<number, number> }> = {};
  for (const { method, path, key, override, describedOnly } of routes) {
    const route = routesOf(document).find((r) => r.method === method && r.path === path)!;
    const schema = route.operation.requestBody!.content['application/json']!.schema;
    const tally = (shares[`${method} ${path}`] = { sent: 0, accepted: 0, statuses: {} as Record<number, number> });
    await fc.assert(
      fc.asyncProperty(valuesOf(schema, document, override), async (body) => {
        const response = await fetch(`${stack.herald.url}/v1${path}`, {
          method,
          headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        tally.sent += 1;
        tally.statuses[response.status] = (tally.statuses[response.status] ?? 0) + 1;
        if (response.status < 300) tally.accepted += 1;
        // A 409 is an id published before with other data: the document says so, and it is no validation. So is the
        // refusal of prototype-poisoning keys (`__proto__` at any depth), which its description states.
        const documented =
          response.status === 400 &&
          ((describedOnly && refusedOnly(text, describedOnly)) ||
            (/"(__proto__|constructor)":/.test(JSON.stringify(body)) && /prototype-pollution/.test(text)));
        expect([200, 201, 409], `${method} ${path} ${JSON.stringify(body).slice(0, 300)}: ${text}`).toContain(
          documented ? 200 : response.status,
        );
      }),
      { numRuns: RUNS_PER_ROUTE },
    );
  }
  process.stderr.write(`fuzz: bodies generated from the document alone ${JSON.stringify(shares)}\n`);
});

/** Every invalid field a 400 names matches `paths`. */
function refusedOnly(text: string, paths: RegExp): boolean {
  const issues = (JSON.parse(text) as { error: { issues?: Array<{ path: string }> } }).error.issues ?? [];
  return issues.length > 0 && issues.every((issue) => paths.test(issue.path));
}
