import { z } from 'zod';
import { webhookDeliveryLog } from '../../services/deliveries.js';
import { recoverWebhook } from '../../services/redelivery.js';
import { testWebhook } from '../../services/test-send.js';
import {
  changeWebhook,
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  rotateWebhookSecret,
} from '../../services/webhooks.js';
import { idInput, pageInput, pageOf, toPageOutput } from '../schemas/common.js';
import { deliverySchema, toDelivery, toDeliveryLogQuery, webhookDeliveriesInput } from '../schemas/delivery.js';
import { recoverInput } from '../schemas/recovery.js';
import {
  createWebhookInput,
  rotateSecretInput,
  testReportSchema,
  testWebhookInput,
  toWebhook,
  updateWebhookInput,
  webhookSchema,
  webhookWithSecretSchema,
} from '../schemas/webhook.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['webhooks'];

export const webhooksRouter = router({
  create: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks',
        tags,
        summary: 'Create a webhook; the response carries its signing secret, shown only this once',
        protect: true,
      },
    })
    .input(createWebhookInput)
    .output(webhookWithSecretSchema)
    .mutation(async ({ ctx, input }) => {
      const row = await createWebhook(ctx, ctx.actor, input);
      return { ...toWebhook(row), secret: row.secret };
    }),

  list: protectedProcedure('webhooks:read')
    .meta({
      openapi: { method: 'GET', path: '/webhooks', tags, summary: 'List webhooks, newest first', protect: true },
    })
    .input(z.object(pageInput).prefault({}))
    .output(pageOf(webhookSchema))
    .query(async ({ ctx, input }) => toPageOutput(await listWebhooks(ctx, ctx.actor, input), toWebhook)),

  get: protectedProcedure('webhooks:read')
    .meta({ openapi: { method: 'GET', path: '/webhooks/{id}', tags, summary: 'Get a webhook', protect: true } })
    .input(idInput)
    .output(webhookSchema)
    .query(async ({ ctx, input }) => toWebhook(await getWebhook(ctx, ctx.actor, input.id))),

  update: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/webhooks/{id}',
        tags,
        summary: 'Change a webhook; active: false stops new deliveries',
        protect: true,
      },
    })
    .input(updateWebhookInput)
    .output(webhookSchema)
    .mutation(async ({ ctx, input }) => toWebhook(await changeWebhook(ctx, ctx.actor, input))),

  delete: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/webhooks/{id}',
        tags,
        summary: 'Delete a webhook (its delivery history stays readable)',
        protect: true,
      },
    })
    .input(idInput)
    .output(z.object({ id: z.string(), deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await deleteWebhook(ctx, ctx.actor, input.id);
      return { id: input.id, deleted: true as const };
    }),

  rotateSecret: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/{id}/rotate-secret',
        tags,
        summary: 'Replace the signing secret; the new one is shown only this once',
        protect: true,
      },
    })
    .input(rotateSecretInput)
    .output(webhookWithSecretSchema)
    .mutation(async ({ ctx, input }) => {
      const row = await rotateWebhookSecret(ctx, ctx.actor, input);
      return { ...toWebhook(row), secret: row.secret };
    }),

  test: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/{id}/test',
        tags,
        summary: 'Send test events now, one attempt each, and report the results',
        protect: true,
      },
    })
    .input(testWebhookInput)
    .output(testReportSchema)
    .mutation(({ ctx, input }) => testWebhook(ctx, ctx.actor, input)),

  deliveries: protectedProcedure('deliveries:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/webhooks/{id}/deliveries',
        tags,
        summary: "A webhook's delivery log, newest first",
        protect: true,
      },
    })
    .input(webhookDeliveriesInput)
    .output(pageOf(deliverySchema))
    .query(async ({ ctx, input }) => {
      const { id, ...filters } = input;
      return toPageOutput(await webhookDeliveryLog(ctx, ctx.principal, id, toDeliveryLogQuery(filters)), toDelivery);
    }),

  recover: protectedProcedure('deliveries:retry')
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/{id}/recover',
        tags,
        summary: 'Redeliver every delivery that failed since a time, as a cancellable background job',
        protect: true,
      },
    })
    .input(recoverInput)
    .output(z.object({ id: z.string(), webhookId: z.string(), since: z.string(), state: z.literal('running') }))
    .mutation(async ({ ctx, input }) => ({
      ...(await recoverWebhook(ctx, ctx.actor, { id: input.id, since: new Date(input.since) })),
      state: 'running' as const,
    })),
});
