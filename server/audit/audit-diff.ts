/** Fields that never enter the audit log, whatever entity they belong to. */
const SECRET_FIELDS = new Set(['secret', 'key', 'keyHash', 'key_hash', 'password']);
export const REDACTED = '[redacted]';

type Snapshot = Record<string, unknown> | null | undefined;

export function redact(snapshot: Snapshot): Record<string, unknown> | null {
  if (!snapshot) return null;
  return Object.fromEntries(
    Object.entries(snapshot).map(([key, value]) => [key, SECRET_FIELDS.has(key) ? REDACTED : value]),
  );
}

/**
 * `{ before, after }` restricted to the fields that changed (all fields on create and delete), secrets redacted:
 * a changed secret shows as `[redacted]` on both sides, so the log says it changed without saying what to.
 */
export function auditDiff(
  before: Snapshot,
  after: Snapshot,
): { before: Record<string, unknown> | null; after: Record<string, unknown> | null } {
  if (!before || !after) return { before: redact(before), after: redact(after) };
  const changed = Object.keys({ ...before, ...after }).filter(
    (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
  const pick = (snapshot: Record<string, unknown>) => Object.fromEntries(changed.map((key) => [key, snapshot[key]]));
  return { before: redact(pick(before)), after: redact(pick(after)) };
}
