import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { mangled, type OpenApiDocument, responseChecker, type Route, routesOf, valuesOf } from '../support/openapi.js';
import { useStack } from '../support/stack.js';

/**
 * Property-based fuzzing of every REST route, driven by /openapi.json: valid and broken requests, generated from
 * the document's own schemas, must never get a 5xx nor an answer the document does not describe. Every URL the
 * fuzzer can produce points at a receiver on 127.0.0.1, and Herald may reach only loopback, so the routes that
 * send (publish, test, retry, recover) deliver nowhere else.
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
        fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: mangled(valid) }),
      )
    : fc.constant(undefined);
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
    for (const route of routes) {
      if (process.env.FUZZ_TRACE) process.stderr.write(`fuzzing ${route.method} ${route.path}\n`);
      await fc.assert(
        fc.asyncProperty(requestFor(route), async ({ pathParams, query, body }) => {
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
          const text = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, `${route.method} ${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
          const problem = check(route, response.status, text);
          expect(problem, problem).toBeUndefined();
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
    process.stderr.write(
      `fuzz: ${[...statuses.values()].reduce((a, b) => a + b, 0)} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`,
    );
    // The fuzzer must reach the happy paths, not only the validation errors.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(routes.length * 5);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(routes.length * 5);
  },
);
