import fc from 'fast-check';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { RouteMeta } from '../../server/api/route-meta.js';
import { appRouter } from '../../server/api/routers/index.js';
import { WEBHOOK_URL_PATTERN } from '../../server/api/schemas/webhook.js';
import { createTargetPolicy } from '../../server/delivery/target-policy.js';
import { buildOpenApiDocument } from '../../server/http/openapi-document.js';
import { type OpenApiDocument, routesOf, valuesOf } from '../support/openapi.js';

/**
 * The document states what the validation enforces: whatever it allows, the procedure's own input schema accepts.
 * (Checks that need the server, such as the catalog, are stated in descriptions and checked end to end.)
 */
const document = buildOpenApiDocument('http://127.0.0.1:3000') as unknown as OpenApiDocument;
const none = () => undefined;

const procedures = Object.entries(appRouter._def.procedures).map(([name, procedure]) => {
  const definition = (procedure as unknown as { _def: { meta?: RouteMeta; inputs: z.ZodType[] } })._def;
  // Subscriptions have a REST route documented by hand (`stream`), held to the same rule.
  return { name, route: (definition.meta!.openapi ?? definition.meta!.stream)!, input: definition.inputs[0]! };
});

describe('the OpenAPI document and the validation', () => {
  it.each(procedures.map((p) => [p.name, p] as const))(
    '%s accepts every input its operation describes',
    async (_name, { route, input }) => {
      const operation = routesOf(document).find((r) => r.method === route.method && r.path === route.path)!.operation;
      // Headers carry what a query parameter carries too (`Last-Event-ID` is `lastEventId`), checked there.
      const parameters = (operation.parameters ?? []).filter((p) => p.in !== 'header');
      const inputs = fc.record({
        params: fc.record(Object.fromEntries(parameters.map((p) => [p.name, valuesOf(p.schema, document, none)])), {
          requiredKeys: parameters.filter((p) => p.required).map((p) => p.name),
        }),
        body: operation.requestBody
          ? valuesOf(operation.requestBody.content['application/json']!.schema, document, none)
          : fc.constant({}),
      });
      await fc.assert(
        fc.asyncProperty(inputs, async ({ params, body }) => {
          const parsed = await input.safeParseAsync({ ...(body as object), ...params });
          // Rules across items (unique ids, one scheme of a kind) have no JSON Schema keyword; descriptions state them.
          const issues = parsed.error?.issues.filter((issue) => issue.code !== 'custom') ?? [];
          expect(issues, JSON.stringify({ params, body }).slice(0, 500)).toEqual([]);
        }),
        { numRuns: 200 },
      );
    },
  );

  it('allows only webhook URLs the endpoint policy accepts where every address and http are allowed', () => {
    const policy = createTargetPolicy({ allowedNetworks: undefined, allowHttp: true });
    const pattern = new RegExp(WEBHOOK_URL_PATTERN);
    // Built from parts (fast-check cannot generate from a pattern with lookaheads), then held to the pattern.
    const label = fc.stringMatching(/^[A-Za-z0-9-]{1,8}$/);
    const host = fc.oneof(
      fc
        .tuple(fc.array(label, { maxLength: 3 }), fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/), fc.boolean())
        .map(([labels, last, dot]) => [...labels, last].join('.') + (dot ? '.' : '')),
      fc.ipV4(),
      fc.ipV6().map((address) => `[${address}]`),
    );
    const built = fc
      .tuple(
        fc.constantFrom('http', 'https', 'HTTPS'),
        host,
        fc.option(fc.integer({ min: 0, max: 70_000 }), { nil: undefined }),
        fc.option(fc.stringMatching(/^[/?][^\s#]{0,20}$/), { nil: undefined }),
      )
      .map(([scheme, name, port, rest]) => `${scheme}://${name}${port === undefined ? '' : `:${port}`}${rest ?? ''}`);
    const urls = fc
      .oneof(built, fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true }))
      .filter((url) => pattern.test(url));
    fc.assert(
      fc.property(urls, (url) => {
        expect(policy.refuseUrl(url), url).toBeUndefined();
      }),
      { numRuns: 2_000 },
    );
    // And the pattern keeps out what the policy refuses everywhere.
    for (const url of ['ftp://a.example/x', 'http://user:pw@a.example/', 'https://a.example/#top', 'a.example/x'])
      expect(pattern.test(url), url).toBe(false);
  });
});
