import { describe, expect, it } from 'vitest';
import { serializeEnvelope } from '../../server/delivery/envelope.js';

describe('event envelope', () => {
  const createdAt = new Date('2024-01-20T15:30:00.000Z');

  it.each([
    ['a flat object', { orderId: 'ord_abc123', status: 'SHIPPED' }],
    ['nested values and arrays', { items: [{ sku: 'a', qty: 2 }], meta: { tags: [], ok: true, n: null } }],
    [
      'strings that need escaping',
      { quote: '"', backslash: '\\', newline: '\n', unicode: 'Grüße ✓ 🚀', separators: '\u2028\u2029', nul: '\u0000' },
    ],
    ['numbers', { int: 42, neg: -1, float: 3.25, big: 1e21, small: 1e-7 }],
    ['key order as published', { z: 1, a: 2, m: 3 }],
  ])('is byte-for-byte JSON.stringify of { id, type, createdAt, data } for %s', (_, data) => {
    const event = { id: 'evt_1', type: 'order.shipped', createdAt, payloadJson: JSON.stringify(data) };
    const expected = JSON.stringify({ id: 'evt_1', type: 'order.shipped', createdAt: createdAt.toISOString(), data });
    expect(serializeEnvelope(event)).toBe(expected);
  });

  it('survives a receiver re-serialising the parsed body (as common Express handlers do)', () => {
    const event = { id: 'evt_"x"', type: 'a.b', createdAt, payloadJson: JSON.stringify({ b: 1, a: [1, 2] }) };
    const body = serializeEnvelope(event);
    expect(JSON.stringify(JSON.parse(body))).toBe(body);
  });
});
