import { validateAgainst } from '../catalog/json-schema.js';
import { schemaHasPath } from '../catalog/schema-paths.js';
import type { PayloadFilter } from '../db/payload-filter.js';
import { filterFields } from '../delivery/payload-filter-rules.js';
import { isWildcard, patternMatches } from '../db/subscription-patterns.js';
import type { Db } from '../db/database.js';
import type { EventTypeRow } from '../db/tables/event-types.table.js';
import { InvalidInputError } from '../errors.js';
import { listEventTypes } from '../db/queries/event-types.js';

/**
 * A workspace's event type catalog, and the rules it imposes. The catalog is opt-in: while a workspace has no
 * event types, any dot-delimited name may be subscribed to and published; once it has some, only those.
 */
export interface Catalog {
  enforced: boolean;
  types: Map<string, EventTypeRow>;
}

export async function loadCatalog(db: Db, workspaceId: string): Promise<Catalog> {
  const rows = await listEventTypes(db, workspaceId);
  return { enforced: rows.length > 0, types: new Map(rows.map((row) => [row.name, row])) };
}

function available(catalog: Catalog): string {
  const names = [...catalog.types.values()].filter((t) => !t.archived).map((t) => t.name);
  return names.length > 0
    ? `available: ${names.slice(0, 50).join(', ')}${names.length > 50 ? ', …' : ''}`
    : 'no event type is available';
}

/** Subscriptions must name existing, unarchived types, or wildcards that match at least one. */
export function checkSubscriptions(catalog: Catalog, patterns: string[]): void {
  if (!catalog.enforced) return;
  const live = [...catalog.types.values()].filter((t) => !t.archived);
  const issues = patterns.flatMap((pattern, i) => {
    const matched = isWildcard(pattern)
      ? live.some((t) => patternMatches(pattern, t.name))
      : live.some((t) => t.name === pattern);
    if (matched) return [];
    const what = isWildcard(pattern) ? `${pattern} matches no event type` : `unknown event type ${pattern}`;
    return [{ path: ['events', String(i)], message: `${what}; ${available(catalog)}` }];
  });
  if (issues.length > 0) throw new InvalidInputError(issues);
}

/** A published event must be of an existing, unarchived type, and its data must satisfy the type's schema. */
export function checkPublishable(catalog: Catalog, event: { type: string; data: unknown }, path: string[] = []): void {
  if (!catalog.enforced) return;
  const type = catalog.types.get(event.type);
  if (!type || type.archived) {
    const why = type ? `event type ${event.type} is archived` : `unknown event type ${event.type}`;
    throw InvalidInputError.at([...path, 'type'], `${why}; ${available(catalog)}`);
  }
  if (type.schema === null || type.schema === undefined) return;
  const issues = validateAgainst(type.schema, event.data, 'data');
  if (issues.length > 0) {
    throw new InvalidInputError(
      issues.map((issue) => ({ path: [...path, ...issue.path.split('.')], message: issue.message })),
      `data does not match the schema of ${event.type}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    );
  }
}

/**
 * The fields of a payload filter that the schemas of the subscribed types do not have, one issue per field (under
 * `filter`). A field must be in the schema of at least one subscribed type, since `or` and `type` let one filter
 * speak of several types. Checked only where the catalog can tell: when every subscribed type has a schema.
 */
export function filterFieldIssues(
  catalog: Catalog,
  subscriptions: string[],
  filter: PayloadFilter,
): InvalidInputError['issues'] {
  if (!catalog.enforced) return [];
  const types = [...catalog.types.values()].filter(
    (t) => !t.archived && subscriptions.some((pattern) => patternMatches(pattern, t.name)),
  );
  if (types.length === 0 || types.some((t) => t.schema === null || t.schema === undefined)) return [];
  const names = types.map((t) => t.name);
  const which = names.length === 1 ? `the schema of ${names[0]}` : `any of the schemas of ${names.join(', ')}`;
  return filterFields(filter)
    .filter(({ field }) => field !== 'type')
    .filter(({ field }) => !types.some((t) => schemaHasPath(t.schema, field.split('.').slice(1))))
    .map(({ field, path }) => ({ path: ['filter', ...path], message: `${field} is not a field of ${which}` }));
}
