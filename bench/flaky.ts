/** Which events the /flaky30 receiver path fails on their first attempt: a fixed 30 %, chosen by event id. */
export function failsFirstAttempt(eventId: string): boolean {
  let hash = 0;
  for (let i = 0; i < eventId.length; i++) hash = (hash * 31 + eventId.charCodeAt(i)) >>> 0;
  return hash % 10 < 3;
}
