import { describe, expect, it } from 'vitest';
import { parseRetryAfter, waitAfterFailure, withJitter } from '../../server/delivery/retry-after.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const base = { longestMs: 7_200_000, now };

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('honours the endpoint within the schedule: never sooner, never more than twice the wait', () => {
    const wait = (retryAfter: string, scheduledMs = 300_000, statusCode = 429) =>
      waitAfterFailure({ ...base, scheduledMs, statusCode, retryAfter });
    expect(wait('400')).toEqual({ delayMs: 400_000, reason: 'Retry-After: 400 s' });
    expect(wait('10')).toEqual({ delayMs: 300_000, reason: 'Retry-After: 10 s, bounded by the schedule to 300 s' });
    expect(wait('86400')).toEqual({
      delayMs: 600_000,
      reason: 'Retry-After: 86400 s, bounded by the schedule to 600 s',
    });
    expect(wait('86400', 7_200_000, 503).delayMs).toBe(7_200_000); // never past the longest wait
  });

  it('applies only to 429 and 503; any other failure waits as scheduled', () => {
    expect(waitAfterFailure({ ...base, scheduledMs: 30_000, statusCode: 500, retryAfter: '600' })).toEqual({
      delayMs: 30_000,
      reason: 'schedule',
    });
    expect(waitAfterFailure({ ...base, scheduledMs: 30_000, statusCode: null, retryAfter: '600' }).delayMs).toBe(
      30_000,
    );
    expect(waitAfterFailure({ ...base, scheduledMs: 30_000, statusCode: 429, retryAfter: null })).toEqual({
      delayMs: 30_000,
      reason: 'schedule',
    });
  });
});

describe('jitter', () => {
  it('moves a wait by at most the fraction either way, and not at all with 0', () => {
    expect(withJitter(1_000, 0.1, () => 0)).toBe(900);
    expect(withJitter(1_000, 0.1, () => 1)).toBe(1_100);
    expect(withJitter(1_000, 0.1, () => 0.5)).toBe(1_000);
    expect(withJitter(1_000, 0, () => 0)).toBe(1_000);
  });
});
