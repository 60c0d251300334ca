import { z } from 'zod';
import type { Page } from '../../services/page.js';

/** Dot-delimited names such as `order.shipped` or `inventory.low_stock`. */
export const eventTypeName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be dot-delimited words, such as order.created')
  .meta({ examples: ['order.shipped'] });

/** What a webhook subscribes to: an event type name, `*` for every type, or `order.*` for every type under `order.`. */
export const subscriptionPattern = z
  .string()
  .min(1)
  .max(130)
  .regex(
    /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/,
    'must be an event type such as order.created, a wildcard such as order.*, or *',
  )
  .meta({ examples: ['order.created', 'order.*', '*'] });

/** No NUL character anywhere: Postgres's text type has no room for one, though JSON can carry it. */
// eslint-disable-next-line no-control-regex -- the NUL character is what it is there to refuse
export const NO_NUL = /^[^\u0000]*$/;

/**
 * Free text Postgres can store. Every free-text input goes through this, so a NUL character is a 400 naming the
 * field, not a database error. A pattern rather than a refinement, so that the OpenAPI document states it too.
 */
export const text = (min: number, max: number) =>
  z.string().min(min).max(max).regex(NO_NUL, 'must not contain NUL characters');

export const resourceId = text(1, 128);

/** A resource id in a path or a filter, described for the reader of the API reference. */
export const idOf = (what: string, example: string) =>
  resourceId.meta({ description: `The ${what}'s id.`, examples: [example] });

/** True when a string anywhere in a JSON value, keys included, holds a NUL character. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item));
  return false;
}

/** A JSON object Postgres can store as `jsonb`, which has no room for NUL characters in strings or keys. */
export const storableJsonObject = z
  .record(z.string(), z.unknown())
  .refine((value) => !containsNul(value), 'must not contain NUL characters (\\u0000) in any string or key');

export const isoTimestamp = z.iso.datetime({ offset: true });

/** Query-string friendly: REST callers send `?limit=20`. */
export const limitInput = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** The `nextCursor` of the previous page. */
export const cursorInput = text(1, 128)
  .meta({ description: 'Where to continue: the `nextCursor` of the previous page. Omit it for the first page.' })
  .optional();

export const pageInput = {
  cursor: cursorInput,
  limit: limitInput(100, 20).meta({ description: 'How many items to return, 1 to 100 (20 by default).' }),
};

/** A page of results; `nextCursor` is null on the last page. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass it as `cursor` to get the next page; null on the last page.' }),
  });
}

/** A service's page in the API's shape: `{ data, nextCursor }`, each item mapped at the edge. */
export function toPageOutput<Row, Item>(
  page: Page<Row>,
  map: (row: Row) => Item,
): { data: Item[]; nextCursor: string | null } {
  return { data: page.items.map(map), nextCursor: page.nextCursor };
}

export const toIso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** The input of a procedure that acts on one resource, named by its id in the path. */
export const idInput = (what: string, example: string) => z.object({ id: idOf(what, example) });

/** An optional ISO time from the query string, as a Date for the services. */
export const toDate = (value: string | undefined): Date | undefined => (value ? new Date(value) : undefined);
