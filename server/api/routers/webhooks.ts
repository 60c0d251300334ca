import { z } from 'zod';
import { listWebhooks } from '../../repositories/webhooks.js';
import { changeWebhook, createWebhook, deleteWebhook, getWebhook } from '../../services/webhooks.js';
import { pageInput, pageOf, resourceId, toPage } from '../schemas/common.js';
import { createdWebhookSchema, createWebhookInput, toWebhook, updateWebhookInput, webhookSchema } from '../schemas/webhook.js';
import { publicProcedure, router } from '../trpc.js';

const byId = z.object({ id: resourceId });

export const webhooksRouter = router({
  create: publicProcedure
    .input(createWebhookInput)
    .output(createdWebhookSchema)
    .mutation(async ({ ctx, input }) => {
      const row = await createWebhook(ctx, input);
      return { ...toWebhook(row), secret: row.secret };
    }),

  list: publicProcedure
    .input(z.object(pageInput).default({ limit: 20 }))
    .output(pageOf(webhookSchema))
    .query(async ({ ctx, input }) => {
      const rows = await listWebhooks(ctx.db, { cursor: input.cursor, limit: input.limit + 1 });
      return toPage(rows, input.limit, toWebhook);
    }),

  get: publicProcedure
    .input(byId)
    .output(webhookSchema)
    .query(async ({ ctx, input }) => toWebhook(await getWebhook(ctx, input.id))),

  update: publicProcedure
    .input(updateWebhookInput)
    .output(webhookSchema)
    .mutation(async ({ ctx, input }) => toWebhook(await changeWebhook(ctx, input))),

  delete: publicProcedure
    .input(byId)
    .output(z.object({ id: z.string(), deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await deleteWebhook(ctx, input.id);
      return { id: input.id, deleted: true as const };
    }),
});
