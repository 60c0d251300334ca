import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { NewWebhookRow, WebhookRow, WebhookUpdate } from '../db/tables/webhooks.table.js';

/** Webhooks as Postgres keeps them. Deleted ones stay (for their history) but are invisible here. */

export async function insertWebhook(db: Db, row: NewWebhookRow): Promise<WebhookRow> {
  return db.insertInto('webhooks').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findWebhook(db: Db, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Newest first; `cursor` is the id of the last webhook of the previous page. */
export async function listWebhooks(db: Db, args: { cursor?: string | undefined; limit: number }): Promise<WebhookRow[]> {
  let query = db.selectFrom('webhooks').selectAll().where('deleted_at', 'is', null);
  if (args.cursor) query = query.where('id', '<', args.cursor);
  return query.orderBy('id', 'desc').limit(args.limit).execute();
}

export async function updateWebhook(db: Db, id: string, changes: WebhookUpdate): Promise<WebhookRow | undefined> {
  return db
    .updateTable('webhooks')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function softDeleteWebhook(db: Db, id: string): Promise<WebhookRow | undefined> {
  return db
    .updateTable('webhooks')
    .set({ deleted_at: sql<Date>`now()`, active: false, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}
