/**
 * Whether an event type's JSON Schema knows a field, for payload filters: `data.customer.id` must be a property the
 * schema declares, so that a misspelt field is refused when the filter is saved instead of silently never matching.
 *
 * Generous where the schema is: a property allowed by `additionalProperties` or `patternProperties` (not evaluated:
 * their presence is enough), an object that declares no properties at all, a `true` schema, a `$ref` that does not
 * resolve within the schema, and an `allOf`/`anyOf`/`oneOf` branch that knows it all count as known.
 */
export function schemaHasPath(schema: unknown, segments: string[]): boolean {
  return knows(schema, segments, schema, 0);
}

/** Guards against `$ref` cycles; far more hops than any path of at most 10 segments needs. */
const MAX_HOPS = 64;

function knows(schema: unknown, segments: string[], root: unknown, hops: number): boolean {
  if (hops > MAX_HOPS) return true;
  if (schema === true || schema === undefined) return true;
  if (!isRecord(schema)) return false;
  if (typeof schema.$ref === 'string') {
    const target = resolveLocal(root, schema.$ref);
    if (target === undefined) return true;
    if (knows(target, segments, root, hops + 1)) return true;
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = schema[keyword];
    if (Array.isArray(branches) && branches.some((branch) => knows(branch, segments, root, hops + 1))) return true;
  }
  if (segments.length === 0) return true;
  const [segment, ...rest] = segments as [string, ...string[]];
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  if (properties && Object.hasOwn(properties, segment)) return knows(properties[segment], rest, root, hops + 1);
  if (/^(0|[1-9][0-9]*)$/.test(segment)) {
    const prefixItems = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    const index = Number(segment);
    if (index < prefixItems.length) return knows(prefixItems[index], rest, root, hops + 1);
    if (schema.items !== undefined && schema.items !== false) return knows(schema.items, rest, root, hops + 1);
  }
  if (isRecord(schema.patternProperties) && Object.keys(schema.patternProperties).length > 0) return true;
  const additional = schema.additionalProperties;
  if (additional !== undefined && additional !== false) return knows(additional, rest, root, hops + 1);
  // A number or a string has no fields.
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type : undefined;
  if (types && !types.includes('object') && !types.includes('array')) return false;
  // A schema that says nothing about its properties (`{ "type": "object" }`, or no type at all) may hold anything.
  const combined = ['allOf', 'anyOf', 'oneOf', '$ref'].some((keyword) => schema[keyword] !== undefined);
  const describesShape = properties !== undefined || schema.items !== undefined || schema.prefixItems !== undefined;
  return !describesShape && !combined && additional === undefined;
}

/** A `#/…` JSON pointer within the schema (`#/$defs/address`); undefined for anything else. */
function resolveLocal(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let current: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
