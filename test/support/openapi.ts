import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

/** The parts of an OpenAPI 3.1 document the tests read. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; license?: { name: string; identifier?: string } };
  servers: Array<{ url: string }>;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  webhooks?: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    responses?: Record<string, Response>;
    securitySchemes: Record<string, unknown>;
  };
}

export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  description?: string;
  schema: Schema;
}

export interface Response {
  description: string;
  headers?: Record<string, { required?: boolean; schema?: Schema }>;
  content?: Record<string, { schema: Schema }>;
}

export interface Operation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  /** A response, or a `$ref` to one of `components.responses`: read them through `responseOf`. */
  responses: Record<string, Response | { $ref: string }>;
  security?: unknown[];
}

/** An operation's response to `status`, its `$ref` resolved; undefined when the operation does not list it. */
export function responseOf(document: OpenApiDocument, operation: Operation, status: string): Response | undefined {
  const response = operation.responses[status];
  if (!response || !('$ref' in response)) return response;
  return document.components.responses?.[response.$ref.split('/').pop()!];
}

export type Schema = Record<string, any>;

export interface Route {
  method: string;
  path: string;
  operation: Operation;
}

export function routesOf(document: OpenApiDocument): Route[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/**
 * Checks responses against the document: the status must be one the operation documents, and the body must
 * match that response's schema (JSON Schema 2020-12, as OpenAPI 3.1 uses).
 */
export function responseChecker(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');
  const cache = new Map<Schema, ValidateFunction>();
  const compile = (schema: Schema) => {
    let validate = cache.get(schema);
    if (!validate) {
      validate = ajv.compile(rewriteRefs(schema));
      cache.set(schema, validate);
    }
    return validate;
  };
  return (route: Route, status: number, body: string, headers?: Headers): string | undefined => {
    const response = responseOf(document, route.operation, String(status));
    if (!response)
      return `${route.method} ${route.path} answered ${status}, which the document does not list (${Object.keys(route.operation.responses).join(', ')})`;
    for (const [name, header] of Object.entries(response.headers ?? {}))
      if (headers && header.required && !headers.has(name))
        return `${route.method} ${route.path} ${status} lacks the ${name} header the document requires`;
    const schema = response.content?.['application/json']?.schema;
    if (!schema)
      return body.length === 0
        ? undefined
        : `${route.method} ${route.path} ${status} should have no body, got ${body.slice(0, 200)}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return `${route.method} ${route.path} ${status} body is not JSON: ${body.slice(0, 200)}`;
    }
    const validate = compile(schema);
    if (validate(parsed)) return undefined;
    return `${route.method} ${route.path} ${status} body does not match the document: ${ajv.errorsText(validate.errors)}; body ${body.slice(0, 300)}`;
  };
}

/** `#/components/...` references resolve against the document registered as `openapi`. */
function rewriteRefs(schema: unknown): any {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `openapi${value}` : rewriteRefs(value),
    ]),
  );
}

/**
 * A fast-check arbitrary producing values that satisfy a JSON Schema (the subset zod-openapi emits). `override`
 * replaces the arbitrary of named properties, so that, say, every generated webhook URL points at loopback.
 */
export function valuesOf(
  schema: Schema,
  document: OpenApiDocument,
  override: (name: string) => fc.Arbitrary<unknown> | undefined,
): fc.Arbitrary<unknown> {
  const of = (s: Schema, depth: number, expanding: ReadonlySet<string> = new Set()): fc.Arbitrary<unknown> => {
    if (depth > 10) return fc.constant(null);
    if (s.$ref) {
      const name: string = s.$ref.split('/').pop()!;
      return of(document.components.schemas[name]!, depth + 1, new Set([...expanding, name]));
    }
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const alternatives: Schema[] | undefined = s.anyOf ?? s.oneOf;
    if (alternatives) {
      // In a recursive schema (a payload filter's groups), past a few levels only the alternatives that end it.
      const recursive = (a: Schema) =>
        [...expanding].some((name) => JSON.stringify(a).includes(`"#/components/schemas/${name}"`));
      const ending = alternatives.filter((a) => !recursive(a));
      const chosen = depth > 3 && ending.length > 0 ? ending : alternatives;
      return fc.oneof(...chosen.map((a: Schema) => of(a, depth + 1, expanding)));
    }
    if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type: string) => of({ ...s, type }, depth, expanding)));
    switch (s.type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return fc.integer({ min: Math.max(s.minimum ?? -1e6, -1e6), max: Math.min(s.maximum ?? 1e6, 1e6) });
      case 'number':
        return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
      case 'string':
        return stringOf(s);
      case 'array':
        return fc.array(of(s.items ?? {}, depth + 1, expanding), {
          minLength: s.minItems ?? 0,
          maxLength: Math.min(s.maxItems ?? 4, 4),
        });
      case 'object': {
        const properties: Record<string, Schema> = s.properties ?? {};
        if (
          Object.keys(properties).length === 0 &&
          s.additionalProperties &&
          typeof s.additionalProperties === 'object'
        ) {
          const names: Schema = s.propertyNames ?? { type: 'string' };
          const excluded = names.not?.pattern ? new RegExp(names.not.pattern as string) : undefined;
          const name = stringOf(names).filter((n) => !excluded?.test(n));
          return fc.dictionary(name, of(s.additionalProperties as Schema, depth + 1, expanding), {
            maxKeys: Math.min(s.maxProperties ?? 4, 4),
          });
        }
        if (Object.keys(properties).length === 0)
          return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
        const record = Object.fromEntries(
          Object.entries(properties).map(([name, p]) => [name, override(name) ?? of(p, depth + 1, expanding)]),
        );
        const values = fc.record(record, { requiredKeys: s.required ?? [] });
        return s.minProperties ? values.filter((v) => Object.keys(v).length >= s.minProperties) : values;
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };
  return of(schema, 0);
}

function stringOf(s: Schema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = Math.min(s.maxLength ?? 40, 200);
  if (s.format === 'date-time')
    return fc
      .date({
        min: new Date(Date.now() - 10 * 86_400_000),
        max: new Date(Date.now() + 86_400_000),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  if (s.format === 'uri') {
    const pattern = s.pattern ? new RegExp(s.pattern) : undefined;
    return fc
      .webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true })
      .filter((url) => url.length >= minLength && url.length <= maxLength && (!pattern || pattern.test(url)));
  }
  if (s.pattern) {
    const pattern = new RegExp(s.pattern);
    // Structured patterns (event type names) come from the pattern itself; character-class patterns with a
    // long minimum (secrets) are easier to reach from plain strings of the right length.
    return minLength <= 3
      ? fc.stringMatching(pattern, { size: 'small' }).filter((v) => v.length >= minLength && v.length <= maxLength)
      : fc.string({ minLength, maxLength }).filter((v) => pattern.test(v));
  }
  return fc.string({ minLength, maxLength });
}

/** Plausible ways a request goes wrong: a missing field, a wrong type, a random document, an absurd string. */
export function mangled(value: unknown): fc.Arbitrary<unknown> {
  const broken: Array<fc.Arbitrary<unknown>> = [
    fc.jsonValue({ maxDepth: 3 }),
    fc.constant(null),
    fc.string({ maxLength: 20 }),
  ];
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0) {
      broken.push(fc.constantFrom(...keys).map((key) => ({ ...value, [key]: undefined })));
      broken.push(
        fc
          .tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 1 }))
          .map(([key, junk]) => ({ ...value, [key]: junk })),
      );
      broken.push(fc.constantFrom(...keys).map((key) => ({ ...value, [key]: 'x'.repeat(5_000) })));
    }
  }
  return fc.oneof(...broken);
}
