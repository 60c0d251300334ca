import { describe, expect, it } from 'vitest';
import { parseDeliverAt } from '../../server/commands/client/trigger.js';
import { InvalidInputError } from '../../server/errors.js';
import { scheduledTime } from '../../server/services/publish-event.js';

const now = Date.parse('2026-11-30T12:00:00Z');
const day = 86_400_000;

describe('scheduled time', () => {
  it('means now for no time, a past time or now itself; the time itself up to the horizon', () => {
    expect(scheduledTime(undefined, day, [], now)).toBeUndefined();
    expect(scheduledTime(new Date(now - 1), day, [], now)).toBeUndefined();
    expect(scheduledTime(new Date(now), day, [], now)).toBeUndefined();
    expect(scheduledTime(new Date(now + 1), day, [], now)).toEqual(new Date(now + 1));
    expect(scheduledTime(new Date(now + day), day, [], now)).toEqual(new Date(now + day));
  });

  it('refuses a time beyond the horizon at the field, in a batch at its event', () => {
    const refusal = (() => {
      try {
        scheduledTime(new Date(now + day + 1), day, ['events', '3'], now);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(InvalidInputError);
    expect((refusal as InvalidInputError).issues).toEqual([
      {
        path: ['events', '3', 'deliverAt'],
        message:
          "must be at most 1d ahead (until 2026-12-01T12:00:00.000Z); the server's horizon is HERALD_SCHEDULE_HORIZON",
      },
    ]);
  });

  it('reads --deliver-at as an ISO time with its offset or a duration from now', () => {
    expect(parseDeliverAt('+2h', now)).toBe('2026-11-30T14:00:00.000Z');
    expect(parseDeliverAt('+90s', now)).toBe('2026-11-30T12:01:30.000Z');
    expect(parseDeliverAt('2026-12-01T09:00:00+01:00', now)).toBe('2026-12-01T08:00:00.000Z');
    expect(parseDeliverAt('2026-12-01T09:00Z', now)).toBe('2026-12-01T09:00:00.000Z');
    for (const bad of ['tomorrow', '2026-12-01', '2026-12-01T09:00:00', '+soon'])
      expect(() => parseDeliverAt(bad, now), bad).toThrow(/expected a duration|--deliver-at expects/);
  });
});
