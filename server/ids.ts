import { monotonicFactory } from 'ulid';

/** Prefixes say what an id names, as in `wh_01J…`; the ULID after it sorts by creation time. */
export const idPrefixes = {
  webhook: 'wh',
  event: 'evt',
  delivery: 'del',
  attempt: 'att',
} as const;

export type IdKind = keyof typeof idPrefixes;

// Monotonic: ids made in the same millisecond still sort in creation order, which cursors rely on.
const nextUlid = monotonicFactory();

export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${nextUlid()}`;
}

export function newIds(kind: IdKind, count: number): string[] {
  return Array.from({ length: count }, () => newId(kind));
}
