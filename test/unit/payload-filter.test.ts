import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PayloadFilter } from '../../server/db/payload-filter.js';
import { filterAdmits } from '../../server/delivery/payload-filter.js';
import { FILTER_LIMITS, filterFields, payloadFilterIssues } from '../../server/delivery/payload-filter-rules.js';
import { buildOpenApiDocument } from '../../server/http/openapi-document.js';
import { type OpenApiDocument, valuesOf } from '../support/openapi.js';

const event = {
  type: 'order.created',
  data: {
    amount: 250,
    currency: 'EUR',
    test: false,
    note: null,
    customer: { id: 'cus_1', email: 'ada@example.com', tags: ['vip', 'eu'] },
    items: [{ sku: 'A-1', qty: 2 }, { sku: 'B-7' }],
    placedAt: '2026-11-30T04:00:00Z',
  },
};
const admits = (filter: unknown, on: { type: string; data: unknown } = event) =>
  filterAdmits(filter as PayloadFilter, on);

/** `levels` levels of `not` around a condition that holds: nested `levels + 1` deep. */
function nestedNot(levels: number): unknown {
  let node: unknown = { field: 'data.amount', eq: 250 };
  for (let i = 0; i < levels; i++) node = { not: node };
  return node;
}

describe('payload filter evaluation', () => {
  it('eq and ne compare JSON scalars strictly', () => {
    expect(admits({ field: 'data.amount', eq: 250 })).toBe(true);
    expect(admits({ field: 'data.amount', eq: '250' })).toBe(false);
    expect(admits({ field: 'data.test', eq: false })).toBe(true);
    expect(admits({ field: 'data.note', eq: null })).toBe(true);
    expect(admits({ field: 'data.customer', eq: null })).toBe(false);
    expect(admits({ field: 'data.amount', ne: 100 })).toBe(true);
    expect(admits({ field: 'data.amount', ne: 250 })).toBe(false);
    expect(admits({ field: 'data.amount', ne: '250' })).toBe(true);
    expect(admits({ field: 'data.customer', ne: 'x' })).toBe(true);
  });

  it('in admits a value of the list, strictly', () => {
    expect(admits({ field: 'data.currency', in: ['EUR', 'USD'] })).toBe(true);
    expect(admits({ field: 'data.currency', in: ['GBP'] })).toBe(false);
    expect(admits({ field: 'data.amount', in: ['250', 1] })).toBe(false);
    expect(admits({ field: 'data.note', in: [null] })).toBe(true);
    expect(admits({ field: 'data.customer', in: [null, 'x'] })).toBe(false);
  });

  it('exists tells present (null included) from absent', () => {
    expect(admits({ field: 'data.customer.id', exists: true })).toBe(true);
    expect(admits({ field: 'data.note', exists: true })).toBe(true);
    expect(admits({ field: 'data.customer.phone', exists: true })).toBe(false);
    expect(admits({ field: 'data.customer.phone', exists: false })).toBe(true);
    expect(admits({ field: 'data.customer.id', exists: false })).toBe(false);
  });

  it('gt, gte, lt and lte compare numbers with numbers and strings with strings', () => {
    expect(admits({ field: 'data.amount', gt: 249 })).toBe(true);
    expect(admits({ field: 'data.amount', gt: 250 })).toBe(false);
    expect(admits({ field: 'data.amount', gte: 250 })).toBe(true);
    expect(admits({ field: 'data.amount', gte: 250.5 })).toBe(false);
    expect(admits({ field: 'data.amount', lt: 251 })).toBe(true);
    expect(admits({ field: 'data.amount', lt: 250 })).toBe(false);
    expect(admits({ field: 'data.amount', lte: 250 })).toBe(true);
    expect(admits({ field: 'data.amount', lte: -1 })).toBe(false);
    expect(admits({ field: 'data.placedAt', gte: '2026-11-30T00:00:00Z' })).toBe(true);
    expect(admits({ field: 'data.placedAt', lt: '2026-11-30T00:00:00Z' })).toBe(false);
    // Mixed types never hold, whichever way round.
    expect(admits({ field: 'data.amount', gt: '1' })).toBe(false);
    expect(admits({ field: 'data.amount', lt: '999' })).toBe(false);
    expect(admits({ field: 'data.currency', gt: 0 })).toBe(false);
    expect(admits({ field: 'data.customer', gte: 0 })).toBe(false);
    expect(admits({ field: 'data.note', lte: 0 })).toBe(false);
  });

  it('prefix, suffix and contains apply to strings only', () => {
    expect(admits({ field: 'data.customer.email', suffix: '@example.com' })).toBe(true);
    expect(admits({ field: 'data.customer.email', prefix: 'ada@' })).toBe(true);
    expect(admits({ field: 'data.customer.email', prefix: 'bob@' })).toBe(false);
    expect(admits({ field: 'data.customer.email', contains: '@exa' })).toBe(true);
    expect(admits({ field: 'data.customer.email', contains: '.org' })).toBe(false);
    expect(admits({ field: 'data.amount', prefix: '2' })).toBe(false);
    expect(admits({ field: 'data.customer.tags', contains: 'vip' })).toBe(false);
  });

  it('resolves type, nested fields and list indexes, on own properties only', () => {
    expect(admits({ field: 'type', eq: 'order.created' })).toBe(true);
    expect(admits({ field: 'type', prefix: 'order.' })).toBe(true);
    expect(admits({ field: 'data.items.0.sku', eq: 'A-1' })).toBe(true);
    expect(admits({ field: 'data.items.1.qty', exists: false })).toBe(true);
    expect(admits({ field: 'data.items.2.sku', exists: true })).toBe(false);
    expect(admits({ field: 'data.items.01.sku', exists: true })).toBe(false);
    expect(admits({ field: 'data.items.length', exists: true })).toBe(false);
    expect(admits({ field: 'data.customer.tags.1', eq: 'eu' })).toBe(true);
    expect(admits({ field: 'data.constructor', exists: true })).toBe(false);
    expect(admits({ field: 'data.__proto__', exists: true })).toBe(false);
    expect(admits({ field: 'data.customer.toString', exists: true })).toBe(false);
    expect(admits({ field: 'data.currency.length', eq: 3 })).toBe(false);
    expect(admits({ field: 'nope.amount', exists: false })).toBe(true);
  });

  it('treats every comparison on a missing field as false, ne included; not admits it', () => {
    for (const operator of ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'prefix', 'suffix', 'contains'])
      expect(admits({ field: 'data.missing', [operator]: 'x' }), operator).toBe(false);
    expect(admits({ field: 'data.missing', in: ['x'] })).toBe(false);
    expect(admits({ not: { field: 'data.missing', eq: 'x' } })).toBe(true);
    expect(admits({ field: 'data.amount.deeper', eq: 1 })).toBe(false);
    expect(admits({ field: 'data.x', eq: 1 }, { type: 't', data: null })).toBe(false);
    expect(admits({ field: 'data.x', exists: false }, { type: 't', data: 'text' })).toBe(true);
  });

  it('combines with and, or and not', () => {
    const yes = { field: 'data.amount', gte: 100 };
    const no = { field: 'data.currency', eq: 'GBP' };
    expect(admits({ and: [yes, yes] })).toBe(true);
    expect(admits({ and: [yes, no] })).toBe(false);
    expect(admits({ or: [no, yes] })).toBe(true);
    expect(admits({ or: [no, no] })).toBe(false);
    expect(admits({ not: no })).toBe(true);
    expect(admits({ not: { not: yes } })).toBe(true);
    expect(
      admits({
        and: [
          { field: 'data.amount', gte: 100 },
          { field: 'data.currency', in: ['EUR', 'USD'] },
          { not: { field: 'data.test', eq: true } },
          { field: 'data.customer.id', exists: true },
        ],
      }),
    ).toBe(true);
  });

  it('admits nothing past the depth limit, and never throws on malformed filters', () => {
    expect(admits(nestedNot(FILTER_LIMITS.depth - 1))).toBe(FILTER_LIMITS.depth % 2 === 1);
    expect(admits(nestedNot(FILTER_LIMITS.depth))).toBe(false);
    expect(admits(nestedNot(FILTER_LIMITS.depth + 1))).toBe(false);
    expect(admits(nestedNot(20_000))).toBe(false);
    for (const malformed of [null, 3, 'x', [], {}, { and: 'x' }, { or: [] }, { not: 1 }, { field: 1, eq: 1 }])
      expect(admits(malformed)).toBe(false);
    expect(admits({ and: [] })).toBe(false);
  });

  it('never throws, whatever the filter and the data (property)', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const field = fc.oneof(
      fc.constant('type'),
      fc
        .array(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('0', '1', '__proto__', 'constructor')), {
          maxLength: 4,
        })
        .map((segments) => ['data', ...segments].join('.')),
    );
    const condition = fc
      .tuple(
        field,
        fc.constantFrom('eq', 'ne', 'in', 'exists', 'gt', 'gte', 'lt', 'lte', 'prefix', 'suffix', 'contains', 'x'),
        json,
      )
      .map(([f, operator, operand]) => ({ field: f, [operator]: operand }));
    const { filter } = fc.letrec<{ filter: unknown }>((tie) => ({
      filter: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        condition,
        json,
        fc.record({ and: fc.array(tie('filter'), { maxLength: 3 }) }),
        fc.record({ or: fc.array(tie('filter'), { maxLength: 3 }) }),
        fc.record({ not: tie('filter') }),
      ),
    }));
    fc.assert(
      fc.property(filter, fc.string({ maxLength: 12 }), json, (f, type, data) => {
        expect(typeof admits(f, { type, data })).toBe('boolean');
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('payload filter rules', () => {
  const issues = (value: unknown) => payloadFilterIssues(value, ['filter']);
  const at = (value: unknown) => issues(value).map((issue) => issue.path.join('.'));

  it('accepts every operator with its operand, and groups', () => {
    const good: unknown[] = [
      { field: 'data.a', eq: 'x' },
      { field: 'data.a', eq: null },
      { field: 'data.a', ne: 1.5 },
      { field: 'data.a', in: ['x', 1, true, null] },
      { field: 'data.a', exists: false },
      { field: 'data.a', gt: 1 },
      { field: 'data.a', gte: '2026-01-01' },
      { field: 'data.a', lt: -3 },
      { field: 'data.a', lte: 'm' },
      { field: 'data.a.b.0.c', prefix: 'p' },
      { field: 'type', suffix: '.created' },
      { field: 'data.a', contains: 'x' },
      { and: [{ or: [{ field: 'data.a', eq: 1 }] }, { not: { field: 'data.b', exists: true } }] },
    ];
    for (const filter of good) expect(issues(filter), JSON.stringify(filter)).toEqual([]);
  });

  it('names every invalid part at its path', () => {
    const found = issues({
      and: [
        { field: 'data.amount', gte: true },
        { field: 'amount', eq: 1 },
        { field: 'data.currency', in: [] },
        { field: 'data.x', regex: '^a+$' },
        { field: 'data.y', gt: 1, lt: 2 },
        { field: 'data.z' },
        { not: 'x' },
        { or: {} },
        { field: 'data.s', prefix: '' },
        { field: 'data.e', exists: 'yes' },
        { field: 'data.q', in: [1, { a: 1 }] },
        { and: [], or: [] },
      ],
    });
    expect(found.map((issue) => issue.path.join('.'))).toEqual([
      'filter.and.0.gte',
      'filter.and.1.field',
      'filter.and.2.in',
      'filter.and.3.regex',
      'filter.and.4',
      'filter.and.5',
      'filter.and.6.not',
      'filter.and.7.or',
      'filter.and.8.prefix',
      'filter.and.9.exists',
      'filter.and.10.in',
      'filter.and.11',
      'filter.and.11.and',
      'filter.and.11.or',
    ]);
    const message = (path: string) => found.find((issue) => issue.path.join('.') === path)!.message;
    expect(message('filter.and.3.regex')).toMatch(/is not an operator; use one of eq, ne, in/);
    expect(message('filter.and.4')).toMatch(/2 operators \(gt, lt\)/);
    expect(message('filter.and.5')).toMatch(/needs an operator/);
    expect(message('filter.and.10.in')).toMatch(/item 1 is not/);
    expect(message('filter.and.1.field')).toMatch(/dotted path into data/);
  });

  it('refuses what is not a filter at all', () => {
    for (const value of [null, 'x', 1, [], true]) expect(at(value)).toEqual(['filter']);
    expect(at({})).toEqual(['filter.field', 'filter']);
  });

  it('bounds field paths: data or type, up to 10 segments and 256 characters, no empty segment', () => {
    const field = (f: unknown) => at({ field: f, exists: true });
    expect(field(`data.${Array(9).fill('a').join('.')}`)).toEqual([]);
    expect(field(`data.${Array(10).fill('a').join('.')}`)).toEqual(['filter.field']);
    expect(field(`data.${'a'.repeat(260)}`)).toEqual(['filter.field']);
    for (const bad of ['data', 'data.', 'data..a', 'meta.a', 'type.x', '', 3, null])
      expect(field(bad), String(bad)).toEqual(['filter.field']);
  });

  it('bounds depth, conditions and size, and reports them without descending further', () => {
    expect(at(nestedNot(FILTER_LIMITS.depth - 1))).toEqual([]);
    const deep = at(nestedNot(FILTER_LIMITS.depth));
    expect(deep).toEqual([`filter.${Array(FILTER_LIMITS.depth).fill('not').join('.')}`]);
    // Far deeper than any stack: reported once, at the limit, and no throw.
    expect(at(nestedNot(200_000))).toHaveLength(2);
    const many = {
      or: Array.from({ length: 8 }, () => ({ and: Array.from({ length: 9 }, () => ({ field: 'data.a', eq: 1 })) })),
    };
    expect(issues(many).map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['filter', `has 72 conditions; a filter has at most ${FILTER_LIMITS.conditions}`],
    ]);
    const big = { or: Array.from({ length: 20 }, () => ({ field: 'data.a', eq: 'x'.repeat(500) })) };
    expect(issues(big)).toEqual([{ path: ['filter'], message: expect.stringMatching(/at most 8192 bytes as JSON/) }]);
    expect(at({ or: Array.from({ length: 65 }, () => ({ field: 'data.a', eq: 1 })) })).toEqual(['filter.or']);
  });

  it('caps the number of issues it lists', () => {
    const found = issues({ or: Array.from({ length: 64 }, () => ({ field: 'x', y: 1 })) });
    expect(found).toHaveLength(51);
    expect(found.at(-1)!.message).toMatch(/and \d+ more issues/);
  });

  it('lists the fields a filter names, with their paths', () => {
    expect(filterFields({ and: [{ field: 'data.a', eq: 1 }, { not: { or: [{ field: 'type', eq: 'x' }] } }] })).toEqual([
      { field: 'data.a', path: ['and', '0', 'field'] },
      { field: 'type', path: ['and', '1', 'not', 'or', '0', 'field'] },
    ]);
  });

  it('never throws on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(Array.isArray(payloadFilterIssues(value))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('the API reference and the rules', () => {
  const document = buildOpenApiDocument('http://127.0.0.1:3000') as unknown as OpenApiDocument;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');
  const documented = ajv.compile({ $ref: 'openapi#/components/schemas/PayloadFilter' });

  it('every filter the document describes passes the rules, and evaluates', () => {
    const filters = valuesOf({ $ref: '#/components/schemas/PayloadFilter' }, document, () => undefined);
    fc.assert(
      fc.property(filters, fc.jsonValue({ maxDepth: 3 }), (filter, data) => {
        expect(payloadFilterIssues(filter), JSON.stringify(filter)).toEqual([]);
        expect(typeof admits(filter, { type: 'order.created', data })).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('every filter the rules accept fits the document, and what they refuse does not (within the bounds)', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean(), fc.constant(null));
    const condition = fc
      .tuple(
        fc.oneof(
          { arbitrary: fc.constantFrom('type', 'data.a', 'data.a.0'), weight: 4 },
          { arbitrary: fc.constantFrom('data', 'data..b', 'x.y', 'data.a.b.c.d.e.f.g.h.i.j'), weight: 1 },
        ),
        fc.constantFrom('eq', 'ne', 'in', 'exists', 'gt', 'gte', 'lt', 'lte', 'prefix', 'suffix', 'contains', 'nope'),
        fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.constant({})),
      )
      .map(([field, operator, operand]) => ({ field, [operator]: operand }));
    const { filter } = fc.letrec<{ filter: unknown }>((tie) => ({
      filter: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        condition,
        fc.record({ and: fc.array(tie('filter'), { maxLength: 3 }) }),
        fc.record({ or: fc.array(tie('filter'), { maxLength: 3 }) }),
        fc.record({ not: tie('filter') }),
      ),
    }));
    let accepted = 0;
    fc.assert(
      fc.property(filter, (value) => {
        const found = payloadFilterIssues(value);
        // The bounds on the whole filter have no JSON Schema keyword; the document's description states them.
        if (found.some((issue) => /too deeply|conditions; a filter|bytes as JSON/.test(issue.message))) return;
        const ok = found.length === 0;
        if (ok) accepted += 1;
        expect(documented(value), JSON.stringify(value)).toBe(ok);
      }),
      { numRuns: 2_000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
