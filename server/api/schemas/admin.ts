import { z } from 'zod';
import { modes, permissions } from '../../db/scope.js';
import type { ApiKeyRow } from '../../db/tables/api-keys.table.js';
import type { WorkspaceRow } from '../../db/tables/workspaces.table.js';
import { isoTimestamp, pageInput, resourceId, text, toIso } from './common.js';

export const workspaceSchema = z
  .object({ id: z.string(), name: z.string(), createdAt: isoTimestamp })
  .meta({ id: 'Workspace' });

export const createWorkspaceInput = z.object({ name: text(1, 200) });

export const apiKeySchema = z
  .object({
    id: z.string(),
    workspaceId: z.string(),
    name: z.string(),
    mode: z.enum(modes),
    permissions: z.array(z.enum(permissions)),
    hint: z.string().describe('the key prefix and its last four characters'),
    createdAt: isoTimestamp,
    lastUsedAt: isoTimestamp.nullable(),
    revokedAt: isoTimestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

/** Only `apiKeys.create` returns the key itself: store it, it is never shown again. */
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() }).meta({ id: 'CreatedApiKey' });

export const createApiKeyInput = z.object({
  workspaceId: resourceId.optional(),
  name: text(1, 200),
  permissions: z.array(z.enum(permissions)).min(1),
  mode: z.enum(modes).default('live'),
});

export const listApiKeysInput = z.object({ workspaceId: resourceId.optional(), ...pageInput });
export const revokeApiKeyInput = z.object({ id: resourceId, workspaceId: resourceId.optional() });

export function toWorkspace(row: WorkspaceRow): z.infer<typeof workspaceSchema> {
  return { id: row.id, name: row.name, createdAt: row.created_at.toISOString() };
}

export function toApiKey(row: ApiKeyRow): z.infer<typeof apiKeySchema> {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    mode: row.mode,
    permissions: row.permissions,
    hint: row.key_hint,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: toIso(row.last_used_at),
    revokedAt: toIso(row.revoked_at),
  };
}
