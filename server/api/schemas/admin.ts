import { z } from 'zod';
import { modes, permissions } from '../../db/scope.js';
import type { ApiKeyRow } from '../../db/tables/api-keys.table.js';
import type { WorkspaceRow } from '../../db/tables/workspaces.table.js';
import { idOf, isoTimestamp, pageInput, resourceId, text, toIso } from './common.js';
import { sample } from './examples.js';
import { portalSettingsInput, portalSettingsSchema, toPortalSettings } from './portal-settings.js';
import { signatureProfileInput, signatureProfileSchema } from './signature-profile.js';

const retentionDays = z.number().int().min(1).max(3650);

export const workspaceSchema = z
  .object({
    id: z.string().meta({ description: 'Starts with `ws_`.' }),
    name: z.string(),
    signatureProfile: signatureProfileSchema.nullable().meta({
      description: "How its webhooks' deliveries are signed unless a webhook says otherwise; null: Herald's default.",
    }),
    retentionDays: retentionDays.nullable().meta({
      description: "How many days its events, deliveries and attempts are kept; null: the server's default (30).",
    }),
    portal: portalSettingsSchema,
    createdAt: isoTimestamp,
  })
  .meta({
    id: 'Workspace',
    description: 'A tenant: its webhooks, events, catalog, keys and audit log are its own.',
    examples: [
      {
        id: sample.workspaceId,
        name: 'Acme Inc',
        signatureProfile: null,
        retentionDays: null,
        portal: { eventTypes: null, frameAncestors: [], branding: {} },
        createdAt: sample.createdAt,
      },
    ],
  });

export const updateWorkspaceInput = z
  .object({
    id: idOf('workspace', sample.workspaceId),
    name: text(1, 200).optional().meta({ description: 'A name for people, 1 to 200 characters.' }),
    signatureProfile: signatureProfileInput
      .nullable()
      .optional()
      .meta({ description: "The default signature profile of its webhooks; null: Herald's default (both kinds)." }),
    retentionDays: retentionDays.nullable().optional().meta({
      description:
        "Keep events, deliveries and attempts this many days, then delete them (those still pending or parked are kept); null: the server's default.",
    }),
    portal: portalSettingsInput.nullable().optional().meta({
      description:
        "The endpoint owners' portal: which event types owners may subscribe to, which origins may embed it, its branding. Replaces all its settings (a field left out takes its default); null: the defaults.",
    }),
  })
  .refine(
    (input) =>
      input.name !== undefined ||
      input.signatureProfile !== undefined ||
      input.retentionDays !== undefined ||
      input.portal !== undefined,
    'nothing to update: pass at least one field',
  )
  .meta({
    minProperties: 1,
    examples: [{ signatureProfile: { schemes: [{ type: 'standard-webhooks' }], timestampField: 'createdAt' } }],
  });

export const createWorkspaceInput = z
  .object({ name: text(1, 200).meta({ description: 'A name for people, 1 to 200 characters.' }) })
  .meta({ examples: [{ name: 'Acme Inc' }] });

const apiKeyExample = {
  id: sample.apiKeyId,
  workspaceId: sample.workspaceId,
  name: 'shop backend',
  mode: 'live' as const,
  permissions: ['events:publish' as const, 'webhooks:manage' as const, 'webhooks:read' as const],
  hint: 'hk_live_…x2KE',
  createdAt: sample.createdAt,
  lastUsedAt: null,
  revokedAt: null,
};

const permissionSchema = z.enum(permissions).meta({
  description:
    'What the key may do: read or manage webhooks, publish events (and manage the catalog), read or retry deliveries, read the audit log, or administer workspaces and keys of every workspace (`admin`).',
});

export const apiKeySchema = z
  .object({
    id: z.string().meta({ description: 'Starts with `key_`.' }),
    workspaceId: z.string(),
    name: z.string(),
    mode: z.enum(modes).meta({ description: 'Test-mode keys see only test-mode webhooks, events and deliveries.' }),
    permissions: z.array(permissionSchema),
    hint: z.string().meta({ description: 'The key prefix and its last four characters.' }),
    createdAt: isoTimestamp,
    lastUsedAt: isoTimestamp.nullable().meta({ description: 'Updated at most once a minute.' }),
    revokedAt: isoTimestamp.nullable(),
  })
  .meta({ id: 'ApiKey', description: 'An API key, without the key itself.', examples: [apiKeyExample] });

/** Only `apiKeys.create` returns the key itself: store it, it is never shown again. */
export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().meta({ description: 'The key, shown only in this response: store it.' }) })
  .meta({
    id: 'CreatedApiKey',
    description: 'A new API key, with the key itself, which only its creation returns.',
    examples: [{ ...apiKeyExample, key: 'hk_live_2CHYD3cpLdu4aNYeyDrVHfN6gWDVfdkBP5Nk1HHx2KE' }],
  });

export const createApiKeyInput = z
  .object({
    workspaceId: resourceId
      .meta({ description: "The workspace the key acts in, which must exist; the caller's own by default." })
      .optional(),
    name: text(1, 200).meta({ description: 'A name for people, 1 to 200 characters.' }),
    permissions: z.array(permissionSchema).min(1).meta({ description: 'At least one; duplicates are dropped.' }),
    mode: z.enum(modes).default('live').meta({ description: "Which of the workspace's two worlds the key acts in." }),
  })
  .meta({
    examples: [{ name: 'shop backend', permissions: ['events:publish', 'webhooks:manage', 'webhooks:read'] }],
  });

const workspaceFilter = resourceId
  .meta({ description: "Another workspace's id; the caller's own workspace by default." })
  .optional();

export const listApiKeysInput = z.object({ workspaceId: workspaceFilter, ...pageInput });
export const apiKeyIdInput = z.object({ id: idOf('API key', sample.apiKeyId) });
export const revokeApiKeyInput = z.object({
  id: idOf('API key', sample.apiKeyId),
  workspaceId: resourceId
    .meta({
      description:
        'Optional: the workspace the key belongs to. Key ids are unique across workspaces, so the id alone finds the key; when given, a key of another workspace is not found.',
    })
    .optional(),
});

export function toWorkspace(row: WorkspaceRow): z.infer<typeof workspaceSchema> {
  return {
    id: row.id,
    name: row.name,
    signatureProfile: row.signature_profile,
    retentionDays: row.retention_days,
    portal: toPortalSettings(row.portal_settings),
    createdAt: row.created_at.toISOString(),
  };
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
