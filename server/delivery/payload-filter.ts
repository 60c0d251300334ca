import type { FilterScalar, PayloadFilter } from '../db/payload-filter.js';
import { FILTER_LIMITS } from './payload-filter-rules.js';

/** What a filter is evaluated against: the event's type and its data, as published. */
export interface FilterableEvent {
  type: string;
  data: unknown;
}

/** The value a field path resolves to, or MISSING when the event has no such field. */
const MISSING = Symbol('missing');
type Resolved = unknown;

/**
 * Whether the event passes the filter. Pure and total: it never throws, whatever the filter or the data (a stored
 * filter has been checked, but the evaluation does not rely on it), and it does no more work than the filter's
 * size: no user code, no regular expressions, and a depth beyond the limit is simply not admitted.
 *
 * The rules: a field is `type`, or a dotted path into `data` (`data.customer.id`; a number segment indexes a
 * list: `data.items.0.sku`), looked up on own properties only. A condition on a field the event lacks is false,
 * `ne` included, except `exists: false`; use `not` for "anything but", which a missing field satisfies.
 * `eq`, `ne` and `in` compare JSON scalars strictly (`1` is not `"1"`); `gt`/`gte`/`lt`/`lte` compare numbers
 * with numbers and strings with strings (by character code, so ISO 8601 times compare as times), and are false
 * for any other pair; `prefix`/`suffix`/`contains` apply to strings only.
 */
export function filterAdmits(filter: PayloadFilter, event: FilterableEvent): boolean {
  return admits(filter, event, 1);
}

function admits(node: unknown, event: FilterableEvent, depth: number): boolean {
  if (depth > FILTER_LIMITS.depth || !isRecord(node)) return false;
  if (Object.hasOwn(node, 'and')) {
    const items = node.and;
    return Array.isArray(items) && items.length > 0 && items.every((item) => admits(item, event, depth + 1));
  }
  if (Object.hasOwn(node, 'or')) {
    const items = node.or;
    return Array.isArray(items) && items.some((item) => admits(item, event, depth + 1));
  }
  if (Object.hasOwn(node, 'not')) return isRecord(node.not) && !admits(node.not, event, depth + 1);
  return conditionHolds(node, event);
}

function conditionHolds(condition: Record<string, unknown>, event: FilterableEvent): boolean {
  const field = condition.field;
  if (typeof field !== 'string') return false;
  const value = resolve(field, event);
  if (Object.hasOwn(condition, 'exists')) return condition.exists === (value !== MISSING);
  if (value === MISSING) return false;
  if (Object.hasOwn(condition, 'eq')) return isScalar(value) && value === condition.eq;
  if (Object.hasOwn(condition, 'ne')) return !(isScalar(value) && value === condition.ne);
  if (Object.hasOwn(condition, 'in')) {
    const list = condition.in;
    return Array.isArray(list) && isScalar(value) && list.includes(value);
  }
  if (Object.hasOwn(condition, 'gt')) return compare(value, condition.gt, (order) => order > 0);
  if (Object.hasOwn(condition, 'gte')) return compare(value, condition.gte, (order) => order >= 0);
  if (Object.hasOwn(condition, 'lt')) return compare(value, condition.lt, (order) => order < 0);
  if (Object.hasOwn(condition, 'lte')) return compare(value, condition.lte, (order) => order <= 0);
  if (Object.hasOwn(condition, 'prefix')) return strings(value, condition.prefix, (v, o) => v.startsWith(o));
  if (Object.hasOwn(condition, 'suffix')) return strings(value, condition.suffix, (v, o) => v.endsWith(o));
  if (Object.hasOwn(condition, 'contains')) return strings(value, condition.contains, (v, o) => v.includes(o));
  return false;
}

/** `type`, or a dotted path into `data`; anything else resolves to nothing. */
function resolve(field: string, event: FilterableEvent): Resolved | typeof MISSING {
  if (field === 'type') return event.type;
  const segments = field.split('.');
  if (segments[0] !== 'data' || segments.length > FILTER_LIMITS.pathSegments) return MISSING;
  let current: unknown = event.data;
  for (const segment of segments.slice(1)) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]{0,8})$/.test(segment)) return MISSING;
      const index = Number(segment);
      if (index >= current.length) return MISSING;
      current = current[index];
    } else if (isRecord(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return MISSING;
    }
  }
  return current === undefined ? MISSING : current;
}

function compare(value: unknown, operand: unknown, holds: (order: number) => boolean): boolean {
  const comparable =
    (typeof value === 'number' && typeof operand === 'number') ||
    (typeof value === 'string' && typeof operand === 'string');
  if (!comparable) return false;
  return holds(value < operand ? -1 : value > operand ? 1 : 0);
}

function strings(value: unknown, operand: unknown, holds: (value: string, operand: string) => boolean): boolean {
  return typeof value === 'string' && typeof operand === 'string' && holds(value, operand);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is FilterScalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}
