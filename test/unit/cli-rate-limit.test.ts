import { describe, expect, it } from 'vitest';
import { rateLimit } from '../../server/commands/client/webhooks.js';
import { UsageError } from '../../server/commands/client/connection.js';

describe('--rate-limit', () => {
  it('reads a rate, with or without /s, and an optional burst', () => {
    expect(rateLimit('5/s')).toEqual({ perSecond: 5 });
    expect(rateLimit('5')).toEqual({ perSecond: 5 });
    expect(rateLimit('0.5/s,burst=2')).toEqual({ perSecond: 0.5, burst: 2 });
    expect(rateLimit(' 20/s, burst = 40 ')).toEqual({ perSecond: 20, burst: 40 });
  });

  it('removes the limit with "none"', () => {
    expect(rateLimit('none')).toBeNull();
  });

  it('refuses anything else with a usage error', () => {
    for (const value of ['', 'fast', '5/m', '5/s,burst=', '5/s,burst=2.5', '-1/s', '5/s;burst=2'])
      expect(() => rateLimit(value), value).toThrow(UsageError);
  });
});
