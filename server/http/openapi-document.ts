import type { OperationObject, ParameterObject, SchemaObject } from 'openapi3-ts/oas31';
import { generateOpenApiDocument, type OpenAPIObject, type OpenApiMeta } from 'trpc-to-openapi';
import type { RouteMeta } from '../api/route-meta.js';
import { appRouter } from '../api/routers/index.js';
import { sample } from '../api/schemas/examples.js';
import { RETRY_AFTER_SECONDS } from '../dependency-errors.js';
import { heraldVersion, userAgent } from '../version.js';
import { created, createdWithoutLocation, noContent } from './rest-responses.js';

/** Fails to compile if Herald's own route metadata type stops fitting what the generator reads. */
const routeMetaFitsOpenApiMeta: RouteMeta extends OpenApiMeta ? true : never = true;
void routeMetaFitsOpenApiMeta;

/** The REST API's path under the server's base URL. */
export const REST_BASE_PATH = '/v1';

const errorSchema: SchemaObject = {
  type: 'object',
  description: 'Every error of the REST API, whatever its status.',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: {
          type: 'string',
          description: 'The kind of error, matching the status: `BAD_REQUEST`, `NOT_FOUND`, `CONFLICT`…',
          examples: ['BAD_REQUEST', 'NOT_FOUND'],
        },
        message: { type: 'string', description: 'What went wrong, and what to do about it.' },
        issues: {
          type: 'array',
          description: 'For invalid input: every invalid field, each with what is wrong with it.',
          items: {
            type: 'object',
            required: ['path', 'message'],
            additionalProperties: false,
            properties: {
              path: {
                type: 'string',
                description: 'The dotted path of the field, such as `events.0`; empty for the input as a whole.',
              },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
  examples: [
    {
      error: {
        code: 'BAD_REQUEST',
        message:
          'Invalid input: url: must be an absolute URL such as https://example.com/webhooks; events: subscribe to at least one event type',
        issues: [
          { path: 'url', message: 'must be an absolute URL such as https://example.com/webhooks' },
          { path: 'events', message: 'subscribe to at least one event type' },
        ],
      },
    },
  ],
};

/** The event as a receiver gets it: the body of every delivery (`server/delivery/envelope.ts`). */
const eventEnvelopeSchema: SchemaObject = {
  type: 'object',
  description:
    'An event, as every delivery carries it. Its time is `createdAt` unless the signature settings name it `created_at` or `timestamp`.',
  required: ['id', 'type', 'data'],
  additionalProperties: false,
  properties: {
    id: {
      type: 'string',
      description: 'The event id (yours, or `evt_…`), equal to `X-Webhook-Id`: the same on every attempt.',
    },
    type: { type: 'string', description: 'The event type, equal to `X-Webhook-Event`.' },
    createdAt: { type: 'string', format: 'date-time', description: 'When the event was first published.' },
    created_at: {
      type: 'string',
      format: 'date-time',
      description: '`createdAt`, under the name some receivers expect.',
    },
    timestamp: {
      type: 'string',
      format: 'date-time',
      description: '`createdAt`, under the name some receivers expect.',
    },
    data: { type: 'object', additionalProperties: true, description: 'The payload, exactly as published.' },
    test: { const: true, description: 'Present, and true, only on test sends.' },
  },
  oneOf: [{ required: ['createdAt'] }, { required: ['created_at'] }, { required: ['timestamp'] }],
  examples: [{ id: sample.eventId, type: 'order.shipped', createdAt: sample.publishedAt, data: sample.eventData }],
};

/** The error responses every operation documents: each can answer any of them. */
const errorResponses: Record<string, string> = {
  '400': 'Invalid input (`error.issues` names every invalid field) or a malformed request.',
  '401': 'No API key, or one that is unknown or revoked.',
  '403': 'The API key lacks the permission the operation needs.',
  '404': "Nothing of that id in the API key's workspace and mode, or no such route.",
  '409': 'The request conflicts with the current state; the message says how.',
  '413': 'The body is larger than the server accepts (`HERALD_BODY_LIMIT_BYTES`, 256 KiB by default).',
  '415': 'The body is not sent as `Content-Type: application/json`.',
  '500': 'An unexpected error; the message names the request id under which the server log has the details.',
  '503': 'Postgres or the workflow engine cannot be reached; nothing was done. Try again after `Retry-After`.',
};

const tags = [
  { name: 'webhooks', description: 'Endpoints, the event types they receive, their signing secrets and test sends.' },
  {
    name: 'events',
    description: 'Publishing events: each is delivered to every webhook that subscribes to its type.',
  },
  {
    name: 'event types',
    description:
      "The workspace's event type catalog: names, descriptions, JSON Schemas and examples. Opt-in: once it has a type, only its types can be subscribed to and published.",
  },
  {
    name: 'deliveries',
    description: 'The delivery log, every attempt of every delivery, retries and recoveries of failed deliveries.',
  },
  { name: 'audit', description: 'Who changed what, and when.' },
  { name: 'admin', description: 'Workspaces (tenants) and API keys; needs the `admin` permission.' },
  {
    name: 'portal',
    description:
      "The endpoint owners' portal: one-time links that let your customers manage their own webhooks and see their deliveries.",
  },
];

/** What a receiver gets: OpenAPI 3.1's `webhooks`, so that a receiver's types can be generated like the API's. */
const receiverWebhooks = {
  event: {
    post: {
      operationId: 'receiveEvent',
      tags: ['webhooks'],
      summary: 'An event delivered to your endpoint',
      description: [
        'Herald POSTs every event to every active webhook that subscribes to its type, one request per attempt, with',
        "the webhook's custom headers, if it has any, besides those below.",
        '',
        'Verify a signature before trusting the body, on the raw bytes as received, before parsing. By default a',
        'delivery carries two, so that receivers written for either kind can check it: `X-Webhook-Signature`, the hex',
        "HMAC-SHA256 of the body keyed by the webhook's secret string exactly as it was shown (`whsec_` prefix",
        'included), and the Standard Webhooks headers `webhook-id`, `webhook-timestamp` and `webhook-signature`.',
        "A workspace's or webhook's signature settings may keep only one kind, or rename the body-only header.",
        'Compare signatures in constant time.',
        '',
        'An attempt succeeds when your endpoint answers a 2xx status within the attempt timeout (5 seconds unless the',
        'server sets `HERALD_ATTEMPT_TIMEOUT`). Anything else fails it: another status (redirects are not followed),',
        "a timeout, a refused connection. Failed attempts are retried on the server's schedule (by default after",
        '30 s, 5 min, 30 min and 2 h), so the same event can arrive more than once: use `X-Webhook-Id` to process',
        'each event once.',
      ].join('\n'),
      security: [],
      parameters: [
        {
          name: 'User-Agent',
          in: 'header',
          required: true,
          description: 'Herald and its version, `Herald/<version>`.',
          schema: { type: 'string', pattern: '^Herald/\\S+$', examples: [userAgent] },
        },
        {
          name: 'X-Webhook-Id',
          in: 'header',
          required: true,
          description: 'The event id, the same on every attempt and retry: deduplicate on it.',
          schema: { type: 'string', examples: [sample.eventId] },
        },
        {
          name: 'X-Webhook-Event',
          in: 'header',
          required: true,
          description: 'The event type, as in the body.',
          schema: { type: 'string', examples: ['order.shipped'] },
        },
        {
          name: 'X-Webhook-Attempt',
          in: 'header',
          required: true,
          description: 'Which attempt this is, from 1; manual retries go on counting.',
          schema: { type: 'integer', minimum: 1, examples: [1] },
        },
        {
          name: 'X-Webhook-Signature',
          in: 'header',
          required: false,
          description:
            "`sha256=` and the hex HMAC-SHA256 of the raw body, keyed by the webhook's secret string exactly as shown (prefix included, UTF-8). Sent by default; during a secret rotation it keeps the previous secret until the owner switches it.",
          schema: {
            type: 'string',
            pattern: '^sha256=[0-9a-f]{64}$',
            examples: ['sha256=5d2c1f0a8b7e6d4c3b2a19f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b'],
          },
        },
        {
          name: 'webhook-id',
          in: 'header',
          required: false,
          description: 'Standard Webhooks: the event id, as in `X-Webhook-Id`. Sent by default.',
          schema: { type: 'string', examples: [sample.eventId] },
        },
        {
          name: 'webhook-timestamp',
          in: 'header',
          required: false,
          description:
            'Standard Webhooks: when this attempt was signed, in Unix seconds; refuse a timestamp far from your clock. Sent by default.',
          schema: { type: 'integer', minimum: 0, examples: [1795990000] },
        },
        {
          name: 'webhook-signature',
          in: 'header',
          required: false,
          description:
            "Standard Webhooks: `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{raw body}`, keyed by the bytes the base64 after the secret's `whsec_` prefix decodes to (a secret without that prefix: its UTF-8 bytes). During a secret rotation, one such signature per secret, separated by spaces. Sent by default.",
          schema: {
            type: 'string',
            pattern: '^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$',
            examples: ['v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='],
          },
        },
      ],
      requestBody: {
        required: true,
        description: 'The event, as `Content-Type: application/json`.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/EventEnvelope' } } },
      },
      responses: {
        '2XX': {
          description: 'Received: the delivery succeeded. The start of your answer is kept in the attempt log.',
        },
        '4XX': { description: 'A failed attempt: Herald retries it on its schedule until no attempt is left.' },
        default: {
          description:
            'Any other status, a redirect, a timeout or a refused connection: a failed attempt, retried on the schedule.',
        },
      },
    } satisfies OperationObject,
  },
};

/**
 * The OpenAPI 3.1 document of the REST API (`/v1`), generated from the tRPC procedures, then completed with what
 * the generator leaves out: Herald's one error shape on every operation, both ways of sending the API key, 201 for
 * creations and 204 for deletions (`rest-responses.ts`), the tags, the license, and the request a receiver gets.
 * `serverUrl` is the base URL clients reach Herald at (`public-url.ts`); `withServerUrl` swaps it per request.
 */
export function buildOpenApiDocument(serverUrl: string): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: 'Herald',
    description: [
      'Webhook delivery on Temporal and Postgres: register endpoints, publish events, and Herald signs and delivers',
      'each to every subscribed endpoint, retries failures and records every attempt.',
      '',
      'Every route needs an API key, sent as `X-API-Key: hk_live_…` or `Authorization: Bearer hk_live_…`; each',
      'operation names the permission it needs. Keys act in one workspace and one mode (`live` or `test`).',
      'Errors answer `{ "error": { "code", "message", "issues"? } }`; invalid input lists every invalid field.',
      'Request bodies may not contain a key named `__proto__`, or `constructor` holding `prototype`, at any depth:',
      'they are the shape of prototype-pollution attacks, and are refused with a 400 that says so.',
    ].join('\n'),
    version: heraldVersion,
    baseUrl: `${serverUrl}${REST_BASE_PATH}`,
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key, such as `hk_live_…`.' },
      bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token.' },
    },
  });
  // The generator's own per-code error schemas are replaced by the one shape Herald answers with.
  const schemas = Object.fromEntries(
    Object.entries(document.components?.schemas ?? {}).filter(([name]) => !name.startsWith('error.')),
  );
  document.components = {
    ...document.components,
    schemas: { ...schemas, Error: errorSchema, EventEnvelope: eventEnvelopeSchema },
    responses: Object.fromEntries(
      Object.entries(errorResponses).map(([status, description]) => [
        errorResponseName(status),
        {
          description,
          ...(status === '503'
            ? {
                headers: {
                  'Retry-After': {
                    description: 'Seconds to wait before trying again.',
                    schema: { type: 'integer', examples: [RETRY_AFTER_SECONDS] },
                  },
                },
              }
            : {}),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      ]),
    ),
  };
  document.tags = tags;
  document.webhooks = receiverWebhooks;

  for (const [name, procedure] of Object.entries(appRouter._def.procedures)) {
    const definition = (procedure as unknown as { _def: { meta?: RouteMeta; inputs: unknown[] } })._def;
    const route = definition.meta?.openapi;
    if (!route) continue;
    const operation = document.paths?.[route.path]?.[route.method.toLowerCase() as 'get'];
    if (!operation) throw new Error(`no operation ${route.method} ${route.path} for ${name} in the OpenAPI document`);
    completeOperation(name, operation, definition.inputs[0]);
  }
  return document;
}

function errorResponseName(status: string): string {
  return `Error${status}`;
}

function completeOperation(procedure: string, operation: OperationObject, input: unknown): void {
  operation.security = [{ apiKey: [] }, { bearer: [] }];
  // The generator's success response, then Herald's own statuses and errors in place of the generator's.
  const success = operation.responses?.['200'];
  const responses: NonNullable<OperationObject['responses']> = {};
  operation.responses = responses;
  const creation = created[procedure];
  if (noContent.has(procedure)) {
    responses['204'] = { description: 'Done; no content.' };
  } else if (createdWithoutLocation.has(procedure)) {
    responses['201'] = { ...success, description: 'Created.' };
  } else if (creation) {
    responses['201'] = {
      ...success,
      description: 'Created.',
      headers: {
        Location: {
          description: `The new ${creation.what}: \`${REST_BASE_PATH}${creation.path}\`, absolute when the server has a public URL.`,
          required: true,
          schema: { type: 'string', format: 'uri-reference' },
        },
      },
    };
  } else {
    responses['200'] = { ...success, description: 'Done.' };
  }
  for (const status of Object.keys(errorResponses))
    responses[status] = { $ref: `#/components/responses/${errorResponseName(status)}` };

  // Parameters carry their schema's description themselves, as readers of the reference look for it there.
  for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
    const schema = parameter.schema as SchemaObject | undefined;
    if (!parameter.description && schema?.description) parameter.description = schema.description;
  }
  // What the input's meta says of the body as a whole can be lost on the way: the generator rebuilds a refined
  // input's body schema without its `minProperties`, and zod leaves out the examples of an input that transforms
  // any field. Both are put back from the input's meta.
  const bodyMeta = (input as { meta?: () => Record<string, unknown> | undefined } | undefined)?.meta?.();
  const body = (operation.requestBody as { content?: Record<string, { schema?: SchemaObject }> } | undefined)
    ?.content?.['application/json']?.schema;
  if (body && typeof bodyMeta?.minProperties === 'number') body.minProperties = bodyMeta.minProperties;
  if (body && !body.examples && Array.isArray(bodyMeta?.examples)) body.examples = bodyMeta.examples;
  // A body with no required field may be left out altogether: the REST routes read a missing body as `{}`.
  if (body && !body.required?.length && operation.requestBody)
    (operation.requestBody as { required?: boolean }).required = false;
}

/** The document with `serverUrl` as its server: built once, served per request. */
export function withServerUrl(document: OpenAPIObject, serverUrl: string): OpenAPIObject {
  return { ...document, servers: [{ url: `${serverUrl}${REST_BASE_PATH}` }] };
}
