import { z } from 'zod';
import type { Page } from '../../services/page.js';

/** Dot-delimited names such as `order.shipped` or `inventory.low_stock`. */
export const eventTypeName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be dot-delimited words, such as order.created');

/** What a webhook subscribes to: an event type name, `*` for every type, or `order.*` for every type under `order.`. */
export const subscriptionPattern = z
  .string()
  .min(1)
  .max(130)
  .regex(
    /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/,
    'must be an event type such as order.created, a wildcard such as order.*, or *',
  );

/**
 * Free text Postgres can store: its text type has no room for NUL characters, which JSON can carry. Every free-text
 * input goes through this, so such input is a 400 naming the field, not a database error.
 */
export const text = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');

export const resourceId = text(1, 128);

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

export const pageInput = {
  /** The `nextCursor` of the previous page. */
  cursor: text(1, 128).optional(),
  limit: limitInput(100, 20),
};

/** A page of results; `nextCursor` is null on the last page. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}

/** A service's page in the API's shape: `{ data, nextCursor }`, each item mapped at the edge. */
export function toPageOutput<Row, Item>(
  page: Page<Row>,
  map: (row: Row) => Item,
): { data: Item[]; nextCursor: string | null } {
  return { data: page.items.map(map), nextCursor: page.nextCursor };
}

export const toIso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export const idInput = z.object({ id: resourceId });

/** An optional ISO time from the query string, as a Date for the services. */
export const toDate = (value: string | undefined): Date | undefined => (value ? new Date(value) : undefined);
