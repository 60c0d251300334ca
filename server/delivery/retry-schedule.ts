/**
 * The wait before the attempt that follows a failed `attempt` (1-based), or undefined when it was the last one.
 * `scheduleMs[n]` is the delay before attempt n+1, so the seed schedule [0, 30s, 5m, 30m, 2h] gives five attempts.
 */
export function nextRetryDelayMs(scheduleMs: readonly number[], attempt: number): number | undefined {
  if (attempt < 1 || attempt >= scheduleMs.length) return undefined;
  // Temporal treats a zero delay as "use the policy's interval", so an immediate retry is 1 ms.
  return Math.max(1, scheduleMs[attempt]!);
}
