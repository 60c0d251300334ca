import { describe, expect, it } from 'vitest';
import { schemaHasPath } from '../../server/catalog/schema-paths.js';
import type { EventTypeRow } from '../../server/db/tables/event-types.table.js';
import { type Catalog, filterFieldIssues } from '../../server/services/catalog.js';

const order = {
  type: 'object',
  required: ['amount'],
  properties: {
    amount: { type: 'number' },
    customer: { $ref: '#/$defs/customer' },
    items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
    pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'object', properties: { x: {} } }] },
    meta: { type: 'object', additionalProperties: { type: 'string' } },
    labels: { type: 'object', patternProperties: { '^l_': { type: 'string' } } },
    free: { type: 'object' },
    either: { anyOf: [{ properties: { a: {} } }, { properties: { b: {} } }] },
  },
  additionalProperties: false,
  $defs: { customer: { type: 'object', properties: { id: { type: 'string' }, self: { $ref: '#/$defs/customer' } } } },
};
const has = (path: string) => schemaHasPath(order, path.split('.'));

describe('fields of a JSON Schema', () => {
  it('knows declared properties, through $ref, items, prefixItems and combinators', () => {
    for (const path of [
      'amount',
      'customer.id',
      'customer.self.self.id',
      'items.3.sku',
      'pair.1.x',
      'either.a',
      'either.b',
    ])
      expect(has(path), path).toBe(true);
  });

  it('does not know what the schema leaves out, nor fields below a scalar', () => {
    for (const path of ['amout', 'customer.name', 'items.0.price', 'amount.value', 'either.c', 'pair.0.x'])
      expect(has(path), path).toBe(false);
  });

  it('is generous where the schema allows any name: additional or pattern properties, free-form objects', () => {
    for (const path of ['meta.anything', 'labels.l_1', 'free.a.b.c']) expect(has(path), path).toBe(true);
    expect(schemaHasPath({}, ['x', 'y'])).toBe(true);
    expect(schemaHasPath(true, ['x'])).toBe(true);
    expect(schemaHasPath({ $ref: 'https://elsewhere.example/schema' }, ['x'])).toBe(true);
    expect(schemaHasPath({ $ref: '#/$defs/loop', $defs: { loop: { $ref: '#/$defs/loop' } } }, ['x'])).toBe(true);
  });
});

describe('a filter against the catalog', () => {
  const type = (name: string, schema: unknown): EventTypeRow =>
    ({ name, schema, archived: false }) as unknown as EventTypeRow;
  const catalog = (...types: EventTypeRow[]): Catalog => ({
    enforced: types.length > 0,
    types: new Map(types.map((t) => [t.name, t])),
  });
  const filter = {
    or: [
      { field: 'data.amount', gte: 1 },
      { field: 'data.amout', gte: 1 },
      { field: 'type', eq: 'order.created' },
      { field: 'data.sku', exists: true },
    ],
  };

  it('names each field no subscribed type knows, with the types it checked', () => {
    const created = type('order.created', { type: 'object', properties: { amount: {} }, additionalProperties: false });
    const shipped = type('order.shipped', { type: 'object', properties: { sku: {} }, additionalProperties: false });
    expect(filterFieldIssues(catalog(created), ['order.created'], filter)).toEqual([
      { path: ['filter', 'or', '1', 'field'], message: 'data.amout is not a field of the schema of order.created' },
      { path: ['filter', 'or', '3', 'field'], message: 'data.sku is not a field of the schema of order.created' },
    ]);
    expect(filterFieldIssues(catalog(created, shipped), ['order.*'], filter)).toEqual([
      {
        path: ['filter', 'or', '1', 'field'],
        message: 'data.amout is not a field of any of the schemas of order.created, order.shipped',
      },
    ]);
  });

  it('says nothing where the catalog cannot tell: no catalog, or a subscribed type without a schema', () => {
    const created = type('order.created', { type: 'object', properties: { amount: {} }, additionalProperties: false });
    expect(filterFieldIssues(catalog(), ['order.created'], filter)).toEqual([]);
    expect(filterFieldIssues(catalog(created, type('order.shipped', null)), ['order.*'], filter)).toEqual([]);
  });
});
