import { describe, expect, it } from 'vitest';
import { nextRetryDelayMs } from '../../server/delivery/retry-schedule.js';
import { loadConfig } from '../../server/config.js';

const seed = [0, 30_000, 300_000, 1_800_000, 7_200_000];

describe('retry schedule', () => {
  it('defaults to five attempts: immediate, 30 s, 5 min, 30 min, 2 h', () => {
    expect(loadConfig({}).delivery.retryScheduleMs).toEqual(seed);
  });

  it('waits the scheduled time before each retry and stops after the fifth attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => nextRetryDelayMs(seed, attempt))).toEqual([
      30_000, 300_000, 1_800_000, 7_200_000,
    ]);
    expect(nextRetryDelayMs(seed, 5)).toBeUndefined();
    expect(nextRetryDelayMs(seed, 9)).toBeUndefined();
  });

  it('turns an immediate retry into 1 ms, because Temporal reads 0 as "no override"', () => {
    expect(nextRetryDelayMs([0, 0, 0], 1)).toBe(1);
  });

  it('allows a single attempt (no retries)', () => {
    expect(nextRetryDelayMs([0], 1)).toBeUndefined();
  });

  it('parses schedules with units and rejects bad entries by position', () => {
    expect(loadConfig({ HERALD_RETRY_SCHEDULE: '0, 50ms, 1s,2m' }).delivery.retryScheduleMs).toEqual([
      0, 50, 1_000, 120_000,
    ]);
    expect(() => loadConfig({ HERALD_RETRY_SCHEDULE: '0,30s,soon' })).toThrow(
      /HERALD_RETRY_SCHEDULE.*entry 3 \("soon"\)/,
    );
  });
});
