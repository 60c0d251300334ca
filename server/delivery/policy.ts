/**
 * How every delivery of one fan-out is attempted. It travels in the workflow input, so changing configuration never
 * alters a running workflow. Pure values: the workflows, the activities and the API all use them.
 */
export interface DeliveryPolicy {
  /** Delay before attempt n+1 is `retryScheduleMs[n]`; the length is the number of attempts. */
  retryScheduleMs: number[];
  attemptTimeoutMs: number;
  /** Spreads each retry's wait by up to ± this share of it (0: exactly as scheduled). Absent in older workflows. */
  jitter?: number;
}

/**
 * How long an attempt holds its delivery. Its request is cut off before the lease ends, so once a lease has
 * expired no request of that attempt can still be on the wire, and a new attempt may start without overlapping it.
 */
export function attemptLeaseMs(policy: DeliveryPolicy): number {
  return policy.attemptTimeoutMs + Math.max(2_000, policy.attemptTimeoutMs);
}

/**
 * Start-to-close limit of an activity that attempts deliveries: room for its own attempt and for waiting out one
 * held by an earlier run of the same activity (whose outcome it then reports instead of sending again).
 */
export function attemptActivityLimitMs(policy: DeliveryPolicy): number {
  return 2 * attemptLeaseMs(policy) + 5_000;
}
