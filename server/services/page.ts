/** One page of a list, newest first; `nextCursor` is null on the last page. Routers map the items at the edge. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
  limit: number;
}

/**
 * Runs a list query for one row more than the page holds, to learn whether another page follows without counting.
 */
export async function fetchPage<T extends { id: string }>(
  request: PageRequest,
  query: (limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  const rows = await query(request.limit + 1);
  const items = rows.slice(0, request.limit);
  return { items, nextCursor: rows.length > request.limit ? items[items.length - 1]!.id : null };
}
