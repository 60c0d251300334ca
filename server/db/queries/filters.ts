import { type RawBuilder, sql } from 'kysely';
import { idFloorAt, type IdKind } from '../ids.js';
import type { Scope } from '../scope.js';

/**
 * Conditions that many queries share, written once. They are plain SQL on the unqualified column names, so they
 * fit any query over one table that has those columns (select, update or delete).
 */

/** Rows of one workspace in one mode: every tenant-owned row is read and written through this. */
export function inScope(scope: Scope): RawBuilder<boolean> {
  return sql<boolean>`workspace_id = ${scope.workspaceId} AND mode = ${scope.mode}`;
}

/** Webhooks of the scope: with an owner (a portal session), only that owner's. */
export function webhooksInScope(scope: Scope): RawBuilder<boolean> {
  return scope.owner === undefined ? inScope(scope) : sql<boolean>`${inScope(scope)} AND owner = ${scope.owner}`;
}

/**
 * Deliveries of the scope: with an owner (a portal session), only those to that owner's webhooks, deleted ones
 * included (their history stays readable). `webhooks_owner_idx` finds the owner's webhooks.
 */
export function deliveriesInScope(scope: Scope): RawBuilder<boolean> {
  if (scope.owner === undefined) return inScope(scope);
  return sql<boolean>`${inScope(scope)} AND webhook_id IN (SELECT id FROM webhooks WHERE ${webhooksInScope(scope)})`;
}

export interface TimeWindow {
  from?: Date | undefined;
  to?: Date | undefined;
  /** The id of the last row of the previous page (lists run newest first). */
  cursor?: string | undefined;
}

/**
 * A time range and a page cursor over a table whose ids begin with their creation time (ULIDs): `from` becomes an
 * id bound as well, so with `ORDER BY id DESC` every variant walks one index range.
 */
export function inWindow(
  kind: IdKind,
  timeColumn: 'created_at' | 'occurred_at',
  window: TimeWindow,
): RawBuilder<boolean> {
  const conditions: Array<RawBuilder<unknown>> = [];
  const column = sql.ref(timeColumn);
  if (window.from) conditions.push(sql`id >= ${idFloorAt(kind, window.from)}`, sql`${column} >= ${window.from}`);
  if (window.to) conditions.push(sql`${column} <= ${window.to}`);
  if (window.cursor) conditions.push(sql`id < ${window.cursor}`);
  return conditions.length === 0 ? sql<boolean>`true` : sql<boolean>`${sql.join(conditions, sql` AND `)}`;
}
