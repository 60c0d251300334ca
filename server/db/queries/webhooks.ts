import { sql } from 'kysely';
import type { Scope } from '../scope.js';
import type { Db } from '../database.js';
import { webhooksInScope } from './filters.js';
import type { NewWebhookRow, WebhookRow, WebhookUpdate } from '../tables/webhooks.table.js';

/** Webhooks as Postgres keeps them, always within one scope. Deleted ones stay (for their history) but are invisible here. */

export async function insertWebhook(db: Db, row: NewWebhookRow): Promise<WebhookRow> {
  return db.insertInto('webhooks').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findWebhook(db: Db, scope: Scope, id: string): Promise<WebhookRow | undefined> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', id)
    .where(webhooksInScope(scope))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Newest first; `cursor` is the id of the last webhook of the previous page. */
export async function listWebhooks(
  db: Db,
  scope: Scope,
  args: { cursor?: string | undefined; limit: number; owner?: string | undefined },
): Promise<WebhookRow[]> {
  let query = db.selectFrom('webhooks').selectAll().where(webhooksInScope(scope)).where('deleted_at', 'is', null);
  if (args.owner !== undefined) query = query.where('owner', '=', args.owner);
  if (args.cursor) query = query.where('id', '<', args.cursor);
  return query.orderBy('id', 'desc').limit(args.limit).execute();
}

export async function updateWebhook(
  db: Db,
  scope: Scope,
  id: string,
  changes: WebhookUpdate,
): Promise<WebhookRow | undefined> {
  return db
    .updateTable('webhooks')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where(webhooksInScope(scope))
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}
