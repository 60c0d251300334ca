/**
 * An endpoint that answers 429 or 503 may say when to come back (`Retry-After`, in seconds or as an HTTP date).
 * Herald listens within bounds: never sooner than its schedule, never more than twice the scheduled wait, and never
 * past the schedule's longest wait, so a hostile or confused endpoint cannot park a delivery for days.
 */
export interface AppliedWait {
  delayMs: number;
  /** Why the wait is what it is, for the attempt log. */
  reason: string;
}

/** Statuses whose `Retry-After` Herald honours. */
export const RETRY_AFTER_STATUSES = new Set([429, 503]);

export function waitAfterFailure(args: {
  scheduledMs: number;
  /** The longest wait in the schedule: the upper bound of any wait. */
  longestMs: number;
  statusCode: number | null;
  retryAfter: string | null | undefined;
  now: number;
}): AppliedWait {
  const { scheduledMs } = args;
  const asked =
    args.statusCode !== null && RETRY_AFTER_STATUSES.has(args.statusCode)
      ? parseRetryAfter(args.retryAfter, args.now)
      : undefined;
  if (asked === undefined) return { delayMs: scheduledMs, reason: 'schedule' };
  const ceiling = Math.max(scheduledMs, Math.min(2 * scheduledMs, args.longestMs));
  const delayMs = Math.min(Math.max(asked, scheduledMs), ceiling);
  const seconds = Math.round(asked / 1000);
  if (delayMs === asked) return { delayMs, reason: `Retry-After: ${seconds} s` };
  return { delayMs, reason: `Retry-After: ${seconds} s, bounded by the schedule to ${Math.round(delayMs / 1000)} s` };
}

/** Milliseconds from now, or undefined when the header is absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Spreads retries of many deliveries that failed together, so they do not come back in a burst: the wait moves by
 * up to ±`fraction` of itself. A fraction of 0 keeps the schedule exact.
 */
export function withJitter(delayMs: number, fraction: number, random: () => number = Math.random): number {
  if (fraction <= 0) return delayMs;
  return Math.max(1, Math.round(delayMs * (1 + fraction * (2 * random() - 1))));
}
