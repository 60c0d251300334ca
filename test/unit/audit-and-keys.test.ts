import { describe, expect, it } from 'vitest';
import { presentedApiKey } from '../../server/api/context.js';
import { auditDiff, REDACTED } from '../../server/audit/audit-diff.js';
import { generateApiKey, hashApiKey, hintFor, modeOfKey } from '../../server/auth/api-key-format.js';

describe('audit diffs', () => {
  it('keeps only what changed, and never a secret', () => {
    const before = { name: 'a', url: 'https://x', secret: 'whsec_old', active: true };
    const after = { name: 'b', url: 'https://x', secret: 'whsec_new', active: true };
    expect(auditDiff(before, after)).toEqual({
      before: { name: 'a', secret: REDACTED },
      after: { name: 'b', secret: REDACTED },
    });
  });

  it('keeps everything (redacted) on create and delete', () => {
    expect(auditDiff(null, { name: 'a', key: 'hk_live_x' })).toEqual({
      before: null,
      after: { name: 'a', key: REDACTED },
    });
    expect(auditDiff({ name: 'a' }, null)).toEqual({ before: { name: 'a' }, after: null });
  });
});

describe('API keys', () => {
  it('are long, random, prefixed by mode, and recognisable only by a hint', () => {
    const live = generateApiKey('live');
    const test = generateApiKey('test');
    expect(live.key).toMatch(/^hk_live_[A-Za-z0-9_-]{43}$/);
    expect(test.key).toMatch(/^hk_test_/);
    expect(live.key).not.toBe(generateApiKey('live').key);
    expect(live.hash).toBe(hashApiKey(live.key));
    expect(live.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hintFor(live.key)).toBe(`hk_live_…${live.key.slice(-4)}`);
    expect([modeOfKey(live.key), modeOfKey(test.key), modeOfKey('sk_live_x')]).toEqual(['live', 'test', undefined]);
  });

  it('are read from X-API-Key or a bearer token', () => {
    expect(presentedApiKey({ 'x-api-key': ' hk_live_a ' })).toBe('hk_live_a');
    expect(presentedApiKey({ authorization: 'Bearer hk_live_b' })).toBe('hk_live_b');
    expect(presentedApiKey({ authorization: 'bearer   hk_live_c' })).toBe('hk_live_c');
    expect(presentedApiKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(presentedApiKey({})).toBeUndefined();
  });
});
