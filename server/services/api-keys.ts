import { generateApiKey, hashApiKey, hintFor } from '../auth/api-key-format.js';
import type { Mode, Permission } from '../db/scope.js';
import type { Db } from '../db/database.js';
import type { ApiKeyRow } from '../db/tables/api-keys.table.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../db/ids.js';
import {
  findApiKeyById,
  insertApiKey,
  listApiKeys as queryApiKeys,
  lockActiveAdminKeys,
  revokeApiKey,
} from '../db/queries/api-keys.js';
import { findWorkspace } from '../db/queries/workspaces.js';
import type { Actor } from './actor.js';
import { fetchPage, type Page, type PageRequest } from './page.js';
import { audit } from './audit.js';

function snapshot(row: ApiKeyRow): Record<string, unknown> {
  return {
    name: row.name,
    mode: row.mode,
    permissions: row.permissions,
    hint: row.key_hint,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

export interface CreateApiKeyInput {
  /** Another workspace's id, for admins managing tenants; the caller's own by default. */
  workspaceId?: string | undefined;
  name: string;
  permissions: Permission[];
  mode: Mode;
}

/** Creates a key and returns it in full, this once; only its hash is stored. */
export async function createApiKey(
  deps: { db: Db },
  actor: Actor | null,
  input: CreateApiKeyInput,
): Promise<{ row: ApiKeyRow; key: string }> {
  return deps.db.transaction().execute((trx) => addApiKey(trx, actor, input));
}

/**
 * Stores a key, generated or given (HERALD_ADMIN_KEY), and audits it, inside the caller's transaction.
 */
export async function addApiKey(
  trx: Db,
  actor: Actor | null,
  input: CreateApiKeyInput & { key?: string },
): Promise<{ row: ApiKeyRow; key: string }> {
  const workspaceId = input.workspaceId ?? actor?.principal.workspaceId;
  if (!workspaceId || !(await findWorkspace(trx, workspaceId)))
    throw new NotFoundError('Workspace', workspaceId ?? '(none)');
  const key = input.key ?? generateApiKey(input.mode).key;
  const row = await insertApiKey(trx, {
    id: newId('apiKey'),
    workspaceId,
    name: input.name,
    mode: input.mode,
    permissions: [...new Set(input.permissions)],
    hash: hashApiKey(key),
    hint: hintFor(key),
    createdBy: actor?.principal.keyId ?? null,
  });
  await audit(trx, actor, {
    action: 'apiKeys.create',
    entityType: 'api_key',
    entityId: row.id,
    after: snapshot(row),
    workspaceId,
    mode: row.mode,
  });
  return { row, key };
}

/** A key of any workspace, revoked or not (never the key itself: only its hint). */
export async function getApiKey(deps: { db: Db }, id: string): Promise<ApiKeyRow> {
  const row = await findApiKeyById(deps.db, id);
  if (!row) throw new NotFoundError('API key', id);
  return row;
}

/**
 * Revokes a key, found by its id alone (key ids are unique across workspaces); `workspaceId`, when given, must be
 * the key's own. The revocation is audited in the key's workspace.
 *
 * The last active key with the `admin` permission cannot be revoked: no one could then create keys or workspaces
 * again. Revoking an admin key locks every active admin key (`FOR UPDATE`, in id order, so two revocations never
 * deadlock) before counting them, so two concurrent revocations cannot together remove the last two.
 */
export async function revokeKey(
  deps: { db: Db },
  actor: Actor,
  input: { id: string; workspaceId?: string | undefined },
): Promise<ApiKeyRow> {
  return deps.db.transaction().execute(async (trx) => {
    const before = await findApiKeyById(trx, input.id);
    if (!before || before.revoked_at || (input.workspaceId !== undefined && before.workspace_id !== input.workspaceId))
      throw new NotFoundError('API key', input.id);
    if (before.permissions.includes('admin')) {
      const admins = await lockActiveAdminKeys(trx);
      // Revoked by someone else meanwhile: gone, as if it had been revoked before.
      if (!admins.includes(input.id)) throw new NotFoundError('API key', input.id);
      if (admins.length === 1)
        throw new ConflictError(
          `API key ${input.id} is the last active key with the admin permission; revoking it would leave no key that can create API keys or workspaces. Create another key with the admin permission first, then revoke this one.`,
        );
    }
    const after = await revokeApiKey(trx, before.workspace_id, input.id);
    if (!after) throw new NotFoundError('API key', input.id);
    await audit(trx, actor, {
      action: 'apiKeys.revoke',
      entityType: 'api_key',
      entityId: input.id,
      before: snapshot(before),
      after: snapshot(after),
      workspaceId: after.workspace_id,
      mode: after.mode,
    });
    return after;
  });
}

/** A workspace's keys, newest first (never the keys themselves: only their hints). */
export async function listApiKeys(
  deps: { db: Db },
  workspaceId: string,
  request: PageRequest,
): Promise<Page<ApiKeyRow>> {
  return fetchPage(request, (limit) => queryApiKeys(deps.db, { workspaceId, cursor: request.cursor, limit }));
}
