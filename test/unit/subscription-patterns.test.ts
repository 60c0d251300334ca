import { describe, expect, it } from 'vitest';
import { isWildcard, matchingPatterns, patternMatches } from '../../server/db/subscription-patterns.js';

describe('subscription patterns', () => {
  it('matches exact names, prefix wildcards at any depth, and *', () => {
    expect(patternMatches('order.created', 'order.created')).toBe(true);
    expect(patternMatches('order.created', 'order.created.v2')).toBe(false);
    expect(patternMatches('order.*', 'order.created')).toBe(true);
    expect(patternMatches('order.*', 'order.item.added')).toBe(true);
    expect(patternMatches('order.*', 'orders.created')).toBe(false);
    expect(patternMatches('order.*', 'order')).toBe(false);
    expect(patternMatches('*', 'anything.at.all')).toBe(true);
  });

  it('lists every pattern that matches a type, so subscribers can be found by array overlap', () => {
    expect(matchingPatterns('order.item.added')).toEqual(['order.item.added', 'order.item.*', 'order.*', '*']);
    expect(matchingPatterns('ping')).toEqual(['ping', '*']);
    for (const type of ['a.b.c.d', 'inventory.low_stock', 'x']) {
      for (const pattern of ['a.*', 'a.b.*', 'inventory.*', '*', 'x', 'a.b.c.d', 'b.*']) {
        expect(matchingPatterns(type).includes(pattern), `${pattern} ~ ${type}`).toBe(patternMatches(pattern, type));
      }
    }
  });

  it('knows a wildcard when it sees one', () => {
    expect(['*', 'order.*'].map(isWildcard)).toEqual([true, true]);
    expect(['order.created', 'order'].map(isWildcard)).toEqual([false, false]);
  });
});
