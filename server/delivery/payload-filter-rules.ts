import { filterOperators, type FilterOperator, type PayloadFilter } from '../db/payload-filter.js';

/**
 * The bounds of a payload filter. They keep its evaluation, which runs inside every publishing transaction, small
 * and predictable whatever a user stores.
 */
export const FILTER_LIMITS = {
  /** Levels of nesting: a lone condition is 1, each `and`/`or`/`not` adds one. */
  depth: 8,
  /** Conditions in the whole filter. */
  conditions: 64,
  /** Segments of a field path, `data` included. */
  pathSegments: 10,
  /** Characters of a field path. */
  pathLength: 256,
  /** Characters of a string operand. */
  stringLength: 1024,
  /** Values of an `in` list. */
  inValues: 100,
  /** The whole filter as JSON, in UTF-8 bytes. */
  bytes: 8192,
} as const;

export interface FilterIssue {
  path: string[];
  message: string;
}

const GROUPS = ['and', 'or', 'not'] as const;
const OPERATOR_LIST = filterOperators.join(', ');
/** Past this many, the rest of a filter's issues are summed up in one. */
const MAX_ISSUES = 50;

const EXPECTED =
  'must be a condition such as {"field": "data.amount", "gte": 100}, or a group: {"and": [...]}, {"or": [...]} or {"not": {...}}';

/**
 * Every way `value` falls short of a payload filter, each with its path under `at` (such as
 * `filter.and.1.in`), so that one answer names every invalid part. Pure, bounded by the input's size (it does not
 * descend past the depth limit, nor into operands), and never throws.
 */
export function payloadFilterIssues(value: unknown, at: string[] = []): FilterIssue[] {
  const issues: FilterIssue[] = [];
  let conditions = 0;
  const add = (path: string[], message: string) => issues.push({ path: [...at, ...path], message });

  const check = (node: unknown, path: string[], depth: number): void => {
    if (depth > FILTER_LIMITS.depth) {
      add(path, `is nested too deeply: a filter has at most ${FILTER_LIMITS.depth} levels`);
      return;
    }
    if (!isRecord(node)) {
      add(path, EXPECTED);
      return;
    }
    const keys = Object.keys(node);
    const groups = GROUPS.filter((group) => Object.hasOwn(node, group));
    if (groups.length > 0) {
      if (keys.length > 1)
        add(path, `a group has exactly one key, and, or or not; this one has ${keys.map(quote).join(', ')}`);
      for (const group of groups) {
        if (group === 'not') {
          check(node.not, [...path, 'not'], depth + 1);
          continue;
        }
        const items = node[group];
        if (!Array.isArray(items) || items.length === 0 || items.length > FILTER_LIMITS.conditions) {
          add([...path, group], `must be a list of 1 to ${FILTER_LIMITS.conditions} filters`);
          if (!Array.isArray(items)) continue;
        }
        items
          .slice(0, FILTER_LIMITS.conditions)
          .forEach((item, i) => check(item, [...path, group, String(i)], depth + 1));
      }
      return;
    }
    conditions += 1;
    checkCondition(node, keys, path, add);
  };

  check(value, [], 1);
  if (conditions > FILTER_LIMITS.conditions)
    add([], `has ${conditions} conditions; a filter has at most ${FILTER_LIMITS.conditions}`);
  const bytes = jsonBytes(value);
  if (bytes === undefined || bytes > FILTER_LIMITS.bytes)
    add([], `is too large: at most ${FILTER_LIMITS.bytes} bytes as JSON${bytes === undefined ? '' : `, not ${bytes}`}`);
  if (issues.length <= MAX_ISSUES) return issues;
  return [
    ...issues.slice(0, MAX_ISSUES),
    { path: at, message: `and ${issues.length - MAX_ISSUES} more issues; fix these first` },
  ];
}

function checkCondition(
  node: Record<string, unknown>,
  keys: string[],
  path: string[],
  add: (path: string[], message: string) => void,
): void {
  if (!Object.hasOwn(node, 'field'))
    add([...path, 'field'], 'is required: `type`, or a dotted path such as data.amount');
  else {
    const problem = fieldProblem(node.field);
    if (problem) add([...path, 'field'], problem);
  }
  const operators = keys.filter((key): key is FilterOperator => (filterOperators as readonly string[]).includes(key));
  const unknown = keys.filter((key) => key !== 'field' && !operators.includes(key as FilterOperator));
  for (const key of unknown) add([...path, key], `is not an operator; use one of ${OPERATOR_LIST}`);
  if (operators.length === 0 && unknown.length === 0) add(path, `needs an operator: one of ${OPERATOR_LIST}`);
  if (operators.length > 1)
    add(
      path,
      `has ${operators.length} operators (${operators.join(', ')}); a condition takes one: combine them with and`,
    );
  for (const operator of operators) {
    const problem = operandProblem(operator, node[operator]);
    if (problem) add([...path, operator], problem);
  }
}

/** Why `field` is not a field path a filter may name, or undefined. */
function fieldProblem(field: unknown): string | undefined {
  const form = `must be \`type\` or a dotted path into data of up to ${FILTER_LIMITS.pathSegments} segments, such as data.customer.id`;
  if (typeof field !== 'string') return form;
  if (tooLong(field, FILTER_LIMITS.pathLength)) return `must be at most ${FILTER_LIMITS.pathLength} characters`;
  if (field === 'type') return undefined;
  const segments = field.split('.');
  if (segments[0] !== 'data' || segments.length < 2 || segments.length > FILTER_LIMITS.pathSegments) return form;
  if (segments.some((segment) => segment === '')) return `${form} (no empty segment)`;
  return undefined;
}

const SCALAR = 'a string, number, boolean or null';

function operandProblem(operator: FilterOperator, operand: unknown): string | undefined {
  switch (operator) {
    case 'eq':
    case 'ne':
      return scalarProblem(operand, SCALAR);
    case 'in': {
      const form = `must be a list of 1 to ${FILTER_LIMITS.inValues} values, each ${SCALAR}`;
      if (!Array.isArray(operand) || operand.length === 0 || operand.length > FILTER_LIMITS.inValues) return form;
      const bad = operand.findIndex((item) => scalarProblem(item, SCALAR) !== undefined);
      return bad < 0 ? undefined : `${form}; item ${bad} is not`;
    }
    case 'exists':
      return typeof operand === 'boolean' ? undefined : 'must be true or false';
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof operand === 'number' || typeof operand === 'string'
        ? scalarProblem(operand, 'a number or a string')
        : 'must be a number or a string';
    case 'prefix':
    case 'suffix':
    case 'contains':
      return typeof operand === 'string' && operand.length > 0
        ? scalarProblem(operand, 'a string')
        : 'must be a non-empty string';
  }
}

function scalarProblem(value: unknown, form: string): string | undefined {
  if (typeof value === 'string')
    return tooLong(value, FILTER_LIMITS.stringLength)
      ? `must be at most ${FILTER_LIMITS.stringLength} characters`
      : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `must be ${form}`;
  if (value === null || typeof value === 'boolean') return undefined;
  return `must be ${form}`;
}

/** Every field a filter names, with the path of its `field` entry (for issues about it). */
export function filterFields(filter: PayloadFilter): Array<{ field: string; path: string[] }> {
  const found: Array<{ field: string; path: string[] }> = [];
  const walk = (node: unknown, path: string[]): void => {
    if (!isRecord(node)) return;
    if (Array.isArray(node.and)) node.and.forEach((item, i) => walk(item, [...path, 'and', String(i)]));
    else if (Array.isArray(node.or)) node.or.forEach((item, i) => walk(item, [...path, 'or', String(i)]));
    else if (isRecord(node.not)) walk(node.not, [...path, 'not']);
    else if (typeof node.field === 'string') found.push({ field: node.field, path: [...path, 'field'] });
  };
  walk(filter, []);
  return found;
}

/** The size of `value` as JSON in UTF-8 bytes; undefined when it cannot be serialized (nested beyond reason). */
function jsonBytes(value: unknown): number | undefined {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return undefined;
  }
}

/** Longer than `limit` characters, counted as JSON Schema counts them (code points, not UTF-16 units). */
function tooLong(text: string, limit: number): boolean {
  return text.length > limit && [...text].length > limit;
}

function quote(key: string): string {
  return JSON.stringify(key);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
