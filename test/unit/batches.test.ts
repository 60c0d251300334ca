import { describe, expect, it } from 'vitest';
import { DELIVERIES_PER_BATCH, toBatches } from '../../workflows/shared.js';

describe('delivery batches', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `del_${String(i).padStart(5, '0')}`);

  it('covers every id exactly once, in order, in ranges of at most one batch', () => {
    const all = ids(2 * DELIVERIES_PER_BATCH + 7);
    const batches = toBatches(all);
    expect(batches.map((b) => b.count)).toEqual([DELIVERIES_PER_BATCH, DELIVERIES_PER_BATCH, 7]);
    const covered = all.filter((id) => batches.some((b) => id >= b.fromId && id <= b.toId));
    expect(covered).toEqual(all);
    batches.slice(1).forEach((b, i) => expect(b.fromId > batches[i]!.toId).toBe(true));
  });

  it('makes a single-delivery batch for a single subscriber, and none for none', () => {
    expect(toBatches(['del_a'])).toEqual([{ fromId: 'del_a', toId: 'del_a', count: 1 }]);
    expect(toBatches([])).toEqual([]);
  });
});
