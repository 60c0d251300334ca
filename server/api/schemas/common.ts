import { z } from 'zod';

/** Dot-delimited names such as `order.shipped` or `inventory.low_stock`. */
export const eventTypeName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be dot-delimited words, such as order.created');

export const resourceId = z.string().min(1).max(128);

export const isoTimestamp = z.iso.datetime({ offset: true });

export const pageInput = {
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(128).optional(),
  limit: z.number().int().min(1).max(100).default(20),
};

/** A page of results, newest first; `nextCursor` is null on the last page. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}

/** Fetch one row more than asked to learn whether another page follows. */
export function toPage<Row extends { id: string }, Item>(rows: Row[], limit: number, map: (row: Row) => Item) {
  const page = rows.slice(0, limit);
  return { data: page.map(map), nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

export const toIso = (date: Date | null): string | null => (date ? date.toISOString() : null);
