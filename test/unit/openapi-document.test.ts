import { createHmac } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { deliveryHeaders } from '../../server/delivery/delivery-headers.js';
import { serializeEnvelope } from '../../server/delivery/envelope.js';
import { DEFAULT_SIGNATURE_PROFILE } from '../../server/delivery/signing.js';
import { buildOpenApiDocument } from '../../server/http/openapi-document.js';
import { userAgent } from '../../server/version.js';
import { type OpenApiDocument, responseOf, routesOf, type Schema } from '../support/openapi.js';

const document = buildOpenApiDocument('http://127.0.0.1:3000') as unknown as OpenApiDocument;
const routes = routesOf(document);

/** Every `examples` list in a JSON value, with the schema it belongs to. */
function examplesIn(value: unknown, at = ''): Array<{ at: string; schema: Schema; example: unknown }> {
  if (Array.isArray(value)) return value.flatMap((item, i) => examplesIn(item, `${at}/${i}`));
  if (!value || typeof value !== 'object') return [];
  const schema = value as Schema;
  const own =
    Array.isArray(schema.examples) && (schema.type || schema.$ref || schema.anyOf || schema.properties)
      ? schema.examples.map((example: unknown) => ({ at, schema, example }))
      : [];
  return [
    ...own,
    ...Object.entries(schema)
      .filter(([key]) => key !== 'examples')
      .flatMap(([key, item]) => examplesIn(item, `${at}/${key}`)),
  ];
}

describe('the OpenAPI document', () => {
  it('describes every operation: summary, description, declared tags, parameter descriptions', () => {
    const declared = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description]));
    for (const tag of declared.values()) expect(tag).toBeTruthy();
    for (const { method, path, operation } of routes) {
      const name = `${method} ${path}`;
      expect(operation.summary, name).toBeTruthy();
      expect(operation.description, name).toBeTruthy();
      expect(operation.tags?.length, name).toBeGreaterThan(0);
      for (const tag of operation.tags ?? []) expect(declared.has(tag), `${name}: tag ${tag}`).toBe(true);
      for (const parameter of operation.parameters ?? [])
        expect(parameter.description, `${name}: ${parameter.name}`).toBeTruthy();
      if (operation.requestBody)
        expect(operation.requestBody.content['application/json']!.schema.examples, name).toBeDefined();
    }
    expect(document.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
  });

  it('has examples that satisfy their schemas', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');
    const found = examplesIn({ paths: document.paths, components: document.components });
    expect(found.length).toBeGreaterThan(30);
    for (const { at, schema, example } of found) {
      const validate = ajv.compile(
        JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')),
      );
      expect(validate(example), `${at}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    for (const name of [
      'Webhook',
      'WebhookWithSecret',
      'PublishedEvent',
      'Delivery',
      'DeliveryWithAttempts',
      'TestReport',
      'AuditEntry',
    ])
      expect(document.components.schemas[name]!.examples, name).toHaveLength(1);
  });

  it('answers creations with 201 and a Location, deletions with 204, and publishing with 200', () => {
    const status = (method: string, path: string) =>
      Object.keys(routes.find((r) => r.method === method && r.path === path)!.operation.responses).filter(
        (code) => code < '300',
      );
    for (const path of ['/webhooks', '/event-types', '/workspaces', '/api-keys']) {
      expect(status('POST', path), path).toEqual(['201']);
      const operation = routes.find((r) => r.method === 'POST' && r.path === path)!.operation;
      expect(responseOf(document, operation, '201')!.headers?.Location?.required, path).toBe(true);
    }
    expect(status('DELETE', '/webhooks/{id}')).toEqual(['204']);
    expect(status('DELETE', '/api-keys/{id}')).toEqual(['204']);
    expect(status('POST', '/events')).toEqual(['200']);
    expect(status('POST', '/webhooks/{id}/test')).toEqual(['200']);
  });

  it('describes the request a receiver gets as it is sent', () => {
    const receive = document.webhooks?.event?.post;
    expect(receive).toBeDefined();
    const secret = 'whsec_dGhpcyBpcyBub3QgYSByZWFsIHNlY3JldCBhdCBhbGw=';
    const body = serializeEnvelope({
      id: 'order_1001_shipped',
      type: 'order.shipped',
      createdAt: new Date('2026-11-25T10:05:00.000Z'),
      payloadJson: JSON.stringify({ orderId: 'ord_abc123' }),
      test: true,
    });
    // What a delivery carries with the signature settings every workspace starts with, during a secret rotation.
    const headers = deliveryHeaders({
      body,
      profile: DEFAULT_SIGNATURE_PROFILE,
      secrets: { current: secret, previous: 'whsec_dGhlIHByZXZpb3VzIHNlY3JldCwgc3RpbGwgYWNjZXB0ZWQ=' },
      customHeaders: {},
      eventId: 'order_1001_shipped',
      eventType: 'order.shipped',
      attemptNumber: 2,
      userAgent,
    });
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');

    // By default every documented header is sent, and every header sent is documented (Content-Type as the body's
    // media type).
    const documented = new Map(receive!.parameters!.map((p) => [p.name.toLowerCase(), p]));
    expect(Object.keys(receive!.requestBody!.content)).toEqual([headers['content-type']]);
    expect([...documented.keys()].sort()).toEqual(
      Object.keys(headers)
        .filter((h) => h !== 'content-type')
        .sort(),
    );
    for (const [name, parameter] of documented) {
      expect(parameter.in).toBe('header');
      const raw = headers[name]!;
      const value = parameter.schema.type === 'integer' ? Number(raw) : raw;
      expect(ajv.validate(parameter.schema, value), `${name}: ${raw} ${ajv.errorsText()}`).toBe(true);
    }
    expect(headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);

    const envelope = ajv.compile({ $ref: 'openapi#/components/schemas/EventEnvelope' });
    expect(envelope(JSON.parse(body)), ajv.errorsText(envelope.errors)).toBe(true);
    expect(Object.keys(receive!.responses)).toEqual(expect.arrayContaining(['2XX', 'default']));
  });
});
