import { z } from 'zod';
import { createApiKey, getApiKey, listApiKeys, revokeKey } from '../../services/api-keys.js';
import { createWorkspace, getWorkspace, listWorkspaces, updateWorkspace } from '../../services/workspaces.js';
import {
  apiKeyIdInput,
  apiKeySchema,
  createApiKeyInput,
  createdApiKeySchema,
  createWorkspaceInput,
  listApiKeysInput,
  revokeApiKeyInput,
  toApiKey,
  toWorkspace,
  updateWorkspaceInput,
  workspaceSchema,
} from '../schemas/admin.js';
import { idInput, pageInput, pageOf, toPageOutput } from '../schemas/common.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['admin'];

export const workspacesRouter = router({
  create: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/workspaces',
        tags,
        summary: 'Create a workspace',
        description:
          'Adds a tenant, with no webhooks, catalog or keys yet: create a key for it with `POST /api-keys` and its `workspaceId`. Needs `admin`.',
        protect: true,
      },
    })
    .input(createWorkspaceInput)
    .output(workspaceSchema)
    .mutation(async ({ ctx, input }) => toWorkspace(await createWorkspace(ctx, ctx.actor, input))),

  list: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'GET',
        path: '/workspaces',
        tags,
        summary: 'List workspaces',
        description: 'Every workspace, oldest first (the default workspace leads), a page at a time. Needs `admin`.',
        protect: true,
      },
    })
    .input(z.object(pageInput).prefault({}))
    .output(pageOf(workspaceSchema))
    .query(async ({ ctx, input }) => toPageOutput(await listWorkspaces(ctx, input), toWorkspace)),

  get: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'GET',
        path: '/workspaces/{id}',
        tags,
        summary: 'Get a workspace',
        description: 'One workspace, by its id. Needs `admin`.',
        protect: true,
      },
    })
    .input(idInput('workspace', 'ws_01JD8Q3ZK5W7E9R1T4Y6U8I0OP'))
    .output(workspaceSchema)
    .query(async ({ ctx, input }) => toWorkspace(await getWorkspace(ctx, input.id))),

  update: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/workspaces/{id}',
        tags,
        summary: 'Change a workspace',
        description:
          "Renames it, sets the signature profile its webhooks use unless they have their own (Standard Webhooks headers, body-only HMAC headers with a header name, `sha256=` prefix or none, hex or base64, or both, and the envelope's timestamp name), sets how many days its deliveries are kept, or sets its endpoint owners' portal (event types owners may subscribe to, origins that may embed it, branding). Audited. Needs `admin`.",
        protect: true,
      },
    })
    .input(updateWorkspaceInput)
    .output(workspaceSchema)
    .mutation(async ({ ctx, input }) => toWorkspace(await updateWorkspace(ctx, ctx.actor, input))),
});

export const apiKeysRouter = router({
  create: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/api-keys',
        tags,
        summary: 'Create an API key',
        description:
          "Creates a key for the caller's workspace, or for another one with `workspaceId`, with the permissions it needs. The answer carries the key itself, shown only this once: store it. Herald keeps only its hash. Needs `admin`.",
        protect: true,
      },
    })
    .input(createApiKeyInput)
    .output(createdApiKeySchema)
    .mutation(async ({ ctx, input }) => {
      const { row, key } = await createApiKey(ctx, ctx.actor, input);
      return { ...toApiKey(row), key };
    }),

  list: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'GET',
        path: '/api-keys',
        tags,
        summary: "List a workspace's API keys",
        description:
          "The keys of the caller's workspace, or of another one with `workspaceId`, newest first, revoked ones included; never the keys themselves, only their hints. Needs `admin`.",
        protect: true,
      },
    })
    .input(listApiKeysInput.prefault({}))
    .output(pageOf(apiKeySchema))
    .query(async ({ ctx, input }) =>
      toPageOutput(await listApiKeys(ctx, input.workspaceId ?? ctx.principal.workspaceId, input), toApiKey),
    ),

  get: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'GET',
        path: '/api-keys/{id}',
        tags,
        summary: 'Get an API key',
        description:
          'One key of any workspace, revoked or not, without the key itself. Key ids are unique across workspaces. Needs `admin`.',
        protect: true,
      },
    })
    .input(apiKeyIdInput)
    .output(apiKeySchema)
    .query(async ({ ctx, input }) => toApiKey(await getApiKey(ctx, input.id))),

  revoke: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api-keys/{id}',
        tags,
        summary: 'Revoke an API key',
        description:
          "Revokes a key of any workspace, found by its id alone; it stops working at once, and the revocation is in that workspace's audit log. A key may revoke itself. The last active key with the `admin` permission cannot be revoked (409): create another admin key first, so that someone can still manage workspaces and keys. Answers 204 with no body. Needs `admin`.",
        protect: true,
      },
    })
    .input(revokeApiKeyInput)
    .output(z.object({ id: z.string(), revoked: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await revokeKey(ctx, ctx.actor, input);
      return { id: input.id, revoked: true as const };
    }),
});
