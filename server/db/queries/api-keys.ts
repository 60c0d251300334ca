import { sql } from 'kysely';
import type { Mode, Permission } from '../scope.js';
import type { Db } from '../database.js';
import type { ApiKeyRow } from '../tables/api-keys.table.js';

export interface NewApiKey {
  id: string;
  workspaceId: string;
  name: string;
  mode: Mode;
  permissions: Permission[];
  hash: string;
  hint: string;
  createdBy: string | null;
}

export async function insertApiKey(db: Db, key: NewApiKey): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({
      id: key.id,
      workspace_id: key.workspaceId,
      name: key.name,
      mode: key.mode,
      permissions: key.permissions,
      key_hash: key.hash,
      key_hint: key.hint,
      created_by: key.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The live key with this hash, in one round trip that also records its use, at most once a minute per key so a
 * busy key does not turn every request into a write.
 */
export async function findUsableKey(db: Db, hash: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await sql<ApiKeyRow>`
    WITH found AS (SELECT * FROM api_keys WHERE key_hash = ${hash} AND revoked_at IS NULL),
    touched AS (
      UPDATE api_keys SET last_used_at = now()
       WHERE id = (SELECT id FROM found) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
    )
    SELECT * FROM found`.execute(db);
  return rows[0];
}

export async function findApiKey(db: Db, workspaceId: string, id: string): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findApiKeyByHash(db: Db, hash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
}

export async function listApiKeys(
  db: Db,
  args: { workspaceId: string; cursor?: string | undefined; limit: number },
): Promise<ApiKeyRow[]> {
  let query = db.selectFrom('api_keys').selectAll().where('workspace_id', '=', args.workspaceId);
  if (args.cursor) query = query.where('id', '<', args.cursor);
  return query.orderBy('id', 'desc').limit(args.limit).execute();
}

export async function revokeApiKey(db: Db, workspaceId: string, id: string): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function countApiKeys(db: Db): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A key of any workspace, by its id alone: key ids are unique across workspaces. */
export async function findApiKeyById(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The ids of the active keys with the `admin` permission, locked (in id order, so two callers never deadlock) until
 * the transaction ends: counting them and revoking one cannot race another revocation.
 */
export async function lockActiveAdminKeys(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select('id')
    .where('revoked_at', 'is', null)
    .where(sql<boolean>`${'admin'} = ANY(permissions)`)
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((row) => row.id);
}
