import { generateApiKey, hashApiKey, hintFor } from '../auth/api-key-format.js';
import type { Mode, Permission } from '../db/scope.js';
import type { Db } from '../db/database.js';
import type { ApiKeyRow } from '../db/tables/api-keys.table.js';
import { NotFoundError } from '../errors.js';
import { newId } from '../db/ids.js';
import { findApiKey, insertApiKey, listApiKeys as queryApiKeys, revokeApiKey } from '../db/queries/api-keys.js';
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

export async function revokeKey(
  deps: { db: Db },
  actor: Actor,
  input: { id: string; workspaceId?: string | undefined },
): Promise<ApiKeyRow> {
  const workspaceId = input.workspaceId ?? actor.principal.workspaceId;
  return deps.db.transaction().execute(async (trx) => {
    const before = await findApiKey(trx, workspaceId, input.id);
    if (!before || before.revoked_at) throw new NotFoundError('API key', input.id);
    const after = (await revokeApiKey(trx, workspaceId, input.id))!;
    await audit(trx, actor, {
      action: 'apiKeys.revoke',
      entityType: 'api_key',
      entityId: input.id,
      before: snapshot(before),
      after: snapshot(after),
      workspaceId,
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
