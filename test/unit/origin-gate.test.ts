import { describe, expect, it } from 'vitest';
import { createOriginGates } from '../../server/delivery/origin-gate.js';

describe('origin gates', () => {
  it('lets `limit` requests through per origin and queues the rest in order', async () => {
    const gates = createOriginGates(2);
    const a = await gates.acquire('https://a.example', 1_000);
    const b = await gates.acquire('https://a.example', 1_000);
    const other = await gates.acquire('https://b.example', 0);
    expect([a, b, other].every(Boolean)).toBe(true);
    const order: string[] = [];
    const third = gates.acquire('https://a.example', 5_000).then((release) => (order.push('third'), release));
    const fourth = gates.acquire('https://a.example', 5_000).then((release) => (order.push('fourth'), release));
    a!();
    a!(); // releasing twice frees one slot only
    (await third)!();
    b!();
    expect(await fourth).toBeTypeOf('function');
    expect(order).toEqual(['third', 'fourth']);
  });

  it('gives up on a slot that does not free up in time, and never when there is no time at all', async () => {
    const gates = createOriginGates(1);
    const held = await gates.acquire('https://a.example', 0);
    expect(await gates.acquire('https://a.example', 0)).toBeUndefined();
    expect(await gates.acquire('https://a.example', 20)).toBeUndefined();
    held!();
    expect(await gates.acquire('https://a.example', 0)).toBeTypeOf('function');
  });
});
