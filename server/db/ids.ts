import { encodeTime, monotonicFactory } from 'ulid';

/** Prefixes say what an id names, as in `wh_01J…`; the ULID after it sorts by creation time. */
export const idPrefixes = {
  workspace: 'ws',
  apiKey: 'key',
  webhook: 'wh',
  event: 'evt',
  delivery: 'del',
  attempt: 'att',
  audit: 'aud',
  recovery: 'rec',
  publication: 'pub',
  portalSession: 'psn',
} as const;

export type IdKind = keyof typeof idPrefixes;

// Monotonic: ids made in the same millisecond still sort in creation order, which cursors rely on.
const nextUlid = monotonicFactory();

export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${nextUlid()}`;
}

/** A bare ULID, to make a name unique (a workflow id per request). */
export function newUlid(): string {
  return nextUlid();
}

export function newIds(kind: IdKind, count: number): string[] {
  return Array.from({ length: count }, () => newId(kind));
}

/**
 * The smallest id of `kind` made at or after `time`: ULIDs start with their timestamp, so a time range over
 * creation becomes an id range, served by the same index as the cursor.
 */
export function idFloorAt(kind: IdKind, time: Date): string {
  return `${idPrefixes[kind]}_${encodeTime(Math.max(0, time.getTime()), 10)}${'0'.repeat(16)}`;
}
