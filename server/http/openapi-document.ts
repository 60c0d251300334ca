import type { SchemaObject } from 'openapi3-ts/oas31';
import { generateOpenApiDocument, type OpenAPIObject, type OpenApiMeta } from 'trpc-to-openapi';
import type { RouteMeta } from '../api/route-meta.js';
import { appRouter } from '../api/routers/index.js';
import { heraldVersion } from '../version.js';

/** Fails to compile if Herald's own route metadata type stops fitting what the generator reads. */
const routeMetaFitsOpenApiMeta: RouteMeta extends OpenApiMeta ? true : never = true;
void routeMetaFitsOpenApiMeta;

const errorResponse = {
  description: 'An error; `issues` names each invalid field',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

const errorSchema: SchemaObject = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', examples: ['BAD_REQUEST', 'NOT_FOUND'] },
        message: { type: 'string' },
        issues: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'message'],
            additionalProperties: false,
            properties: {
              path: { type: 'string', description: 'dotted path of the field, such as events.0' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

/** What can go wrong on every authenticated route, besides the procedure's own errors. */
const commonErrors = ['400', '401', '403', '404', '409', '413', '415', '500'];
/** Operations answered with 204 and no body. */
const noContent = new Set(['DELETE']);

/**
 * The OpenAPI 3.1 document of the REST API (`/v1`), generated from the tRPC procedures, then completed with what
 * the generator leaves out: Herald's one error shape on every operation, both ways of sending the API key, and
 * 204 for deletions.
 */
export function buildOpenApiDocument(serverUrl: string): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: 'Herald',
    description:
      'Webhook delivery on Temporal and Postgres. Every route needs an API key, sent as `X-API-Key: hk_live_…` or `Authorization: Bearer hk_live_…`.',
    version: heraldVersion,
    baseUrl: `${serverUrl}/v1`,
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      bearer: { type: 'http', scheme: 'bearer', description: 'the same API key as a bearer token' },
    },
  });
  // The generator's own per-code error schemas are replaced by the one shape Herald answers with.
  const schemas = Object.fromEntries(
    Object.entries(document.components?.schemas ?? {}).filter(([name]) => !name.startsWith('error.')),
  );
  document.components = { ...document.components, schemas: { ...schemas, Error: errorSchema } };
  for (const item of Object.values(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, any>)) {
      if (!operation || typeof operation !== 'object' || !operation.responses) continue;
      operation.security = [{ apiKey: [] }, { bearer: [] }];
      for (const code of Object.keys(operation.responses)) if (code !== '200') delete operation.responses[code];
      if (noContent.has(method.toUpperCase())) {
        delete operation.responses['200'];
        operation.responses['204'] = { description: 'Deleted; no content' };
      }
      for (const code of commonErrors) operation.responses[code] = errorResponse;
    }
  }
  return document;
}
