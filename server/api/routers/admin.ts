import { z } from 'zod';
import { createApiKey, listApiKeys, revokeKey } from '../../services/api-keys.js';
import { createWorkspace, listWorkspaces } from '../../services/workspaces.js';
import {
  apiKeySchema,
  createApiKeyInput,
  createdApiKeySchema,
  createWorkspaceInput,
  listApiKeysInput,
  revokeApiKeyInput,
  toApiKey,
  toWorkspace,
  workspaceSchema,
} from '../schemas/admin.js';
import { pageInput, pageOf, toPageOutput } from '../schemas/common.js';
import { protectedProcedure, router } from '../trpc.js';

export const workspacesRouter = router({
  create: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/workspaces',
        tags: ['admin'],
        summary: 'Create a workspace (tenant)',
        protect: true,
      },
    })
    .input(createWorkspaceInput)
    .output(workspaceSchema)
    .mutation(async ({ ctx, input }) => toWorkspace(await createWorkspace(ctx, ctx.actor, input))),

  list: protectedProcedure('admin')
    .meta({
      openapi: { method: 'GET', path: '/workspaces', tags: ['admin'], summary: 'List workspaces', protect: true },
    })
    .input(z.object(pageInput).prefault({}))
    .output(pageOf(workspaceSchema))
    .query(async ({ ctx, input }) => toPageOutput(await listWorkspaces(ctx, input), toWorkspace)),
});

export const apiKeysRouter = router({
  create: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/api-keys',
        tags: ['admin'],
        summary: 'Create an API key; the key is shown only this once',
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
        tags: ['admin'],
        summary: "List a workspace's API keys (never the keys themselves)",
        protect: true,
      },
    })
    .input(listApiKeysInput.prefault({}))
    .output(pageOf(apiKeySchema))
    .query(async ({ ctx, input }) =>
      toPageOutput(await listApiKeys(ctx, input.workspaceId ?? ctx.principal.workspaceId, input), toApiKey),
    ),

  revoke: protectedProcedure('admin')
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api-keys/{id}',
        tags: ['admin'],
        summary: 'Revoke an API key; it stops working at once',
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
