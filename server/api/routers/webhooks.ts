import { z } from 'zod';
import { webhookDeliveryLog } from '../../services/deliveries.js';
import { recoverWebhook } from '../../services/redelivery.js';
import { testWebhook } from '../../services/test-send.js';
import {
  changeWebhook,
  createWebhook,
  deleteWebhook,
  enableWebhook,
  getWebhookWithBacklog,
  listWebhooks,
  pauseWebhook,
  resumeWebhook,
  rotateWebhookSecret,
  switchBodySignature,
} from '../../services/webhooks.js';
import { createWebhookChecks, updateWebhookChecks } from '../field-checks.js';
import { idInput, pageOf, toPageOutput } from '../schemas/common.js';
import { deliverySchema, toDelivery, toDeliveryLogQuery, webhookDeliveriesInput } from '../schemas/delivery.js';
import { sample } from '../schemas/examples.js';
import { recoverInput, recoveryStartedSchema } from '../schemas/recovery.js';
import {
  createWebhookInput,
  listWebhooksInput,
  rotateSecretInput,
  testReportSchema,
  testWebhookInput,
  toWebhook,
  toWebhookDetail,
  updateWebhookInput,
  webhookDetailSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from '../schemas/webhook.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['webhooks'];
const webhookId = idInput('webhook', sample.webhookId);

export const webhooksRouter = router({
  create: protectedProcedure('webhooks:manage', createWebhookChecks)
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks',
        tags,
        summary: 'Create a webhook',
        description:
          'Registers an endpoint and the event types it receives. The answer carries the signing secret, generated unless you pass your own: it is shown only this once, so store it. From now on, every event published of a subscribed type is delivered to the endpoint. Every invalid field is reported at once, under `error.issues`. Needs `webhooks:manage`.',
        protect: true,
      },
    })
    .input(createWebhookInput)
    .output(webhookWithSecretSchema)
    .mutation(async ({ ctx, input }) => {
      const { row, secret } = await createWebhook(ctx, ctx.actor, input);
      return { ...toWebhook(row), secret };
    }),

  list: protectedProcedure('webhooks:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/webhooks',
        tags,
        summary: 'List webhooks',
        description:
          "The webhooks of the key's workspace and mode, newest first, a page at a time, optionally only one owner's; never their secrets. Needs `webhooks:read`.",
        protect: true,
      },
    })
    .input(listWebhooksInput)
    .output(pageOf(webhookSchema))
    .query(async ({ ctx, input }) => toPageOutput(await listWebhooks(ctx, ctx.actor, input), toWebhook)),

  get: protectedProcedure('webhooks:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/webhooks/{id}',
        tags,
        summary: 'Get a webhook',
        description:
          'One webhook, without its secret, and how many deliveries wait for its rate limit. A deleted webhook is not found. Needs `webhooks:read`.',
        protect: true,
      },
    })
    .input(webhookId)
    .output(webhookDetailSchema)
    .query(async ({ ctx, input }) => {
      const { row, ...wait } = await getWebhookWithBacklog(ctx, ctx.actor, input.id);
      return toWebhookDetail(row, wait);
    }),

  update: protectedProcedure('webhooks:manage', updateWebhookChecks)
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/webhooks/{id}',
        tags,
        summary: 'Change a webhook',
        description:
          'Changes the fields you pass, at least one, and keeps the others. `active: false` stops deliveries until it is set back to true: events published meanwhile are not delivered to it, and deliveries waiting for a retry fail when their turn comes. The URL and the subscriptions are checked as on creation. Needs `webhooks:manage`.',
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
        summary: 'Delete a webhook',
        description:
          'Stops all deliveries to the webhook: retries still waiting end at their next attempt. Its delivery history stays readable in the delivery log. Answers 204 with no body. Needs `webhooks:manage`.',
        protect: true,
      },
    })
    .input(webhookId)
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
        summary: 'Replace the signing secret',
        description:
          'Sets a new signing secret, generated unless you pass your own, and shows it only this once. Every delivery from now on is signed with the new secret, retries of earlier events included. Needs `webhooks:manage`.',
        protect: true,
      },
    })
    .input(rotateSecretInput)
    .output(webhookWithSecretSchema)
    .mutation(async ({ ctx, input }) => {
      const { row, secret } = await rotateWebhookSecret(ctx, ctx.actor, input);
      return { ...toWebhook(row), secret };
    }),

  test: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/{id}/test',
        tags,
        summary: 'Send test events',
        description:
          'Sends one synthetic event per event type (the one you name, or every type the webhook subscribes to, up to 25) now, once each, without retries, and reports how the endpoint answered. Test events are signed like any delivery and carry `"test": true`; their data is the type\'s example from the catalog, or a short message. They appear in the delivery log with trigger `test`. A disabled webhook can be tested too. The body may be empty. Needs `webhooks:manage`.',
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
        summary: "A webhook's delivery log",
        description:
          'The deliveries to one webhook, newest first, filtered as `GET /deliveries` filters them. A webhook that does not exist is a 404, not an empty page. Needs `deliveries:read`.',
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
        summary: 'Redeliver what failed since a time',
        description:
          'Starts a background job that redelivers, once each, every delivery to this webhook that failed since `since` (at most 14 days back), oldest first. Follow it and stop it under `/recoveries/{id}`. The webhook must be active. Needs `deliveries:retry`.',
        protect: true,
      },
    })
    .input(recoverInput)
    .output(recoveryStartedSchema)
    .mutation(async ({ ctx, input }) => ({
      ...(await recoverWebhook(ctx, ctx.actor, { id: input.id, since: new Date(input.since) })),
      state: 'running' as const,
    })),

  switchBodySignature: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/{id}/switch-body-signature',
        tags,
        summary: 'Sign body-only headers with the new secret now',
        description:
          'During a secret rotation, a body-only signature header (one value) keeps the previous secret until you say so, or until the grace period ends. Call this once your endpoint checks the new secret. Standard Webhooks headers carry both signatures throughout. Needs `webhooks:manage`.',
        protect: true,
      },
    })
    .input(webhookId)
    .output(webhookSchema)
    .mutation(async ({ ctx, input }) => toWebhook(await switchBodySignature(ctx, ctx.actor, input.id))),

  pause: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/{id}/pause',
        tags,
        summary: 'Pause a webhook, keeping its deliveries',
        description:
          'Nothing is sent to the endpoint while the webhook is paused; deliveries are kept as `parked` (up to `HERALD_PARKED_MAX` per webhook, for up to `HERALD_PARKED_MAX_AGE`; beyond that they become `discarded`, with the reason) and go out when it is resumed. To send nothing and keep nothing, set `active: false` instead. Needs `webhooks:manage`.',
        protect: true,
      },
    })
    .input(webhookId)
    .output(webhookSchema)
    .mutation(async ({ ctx, input }) => toWebhook(await pauseWebhook(ctx, ctx.actor, input.id))),

  resume: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/{id}/resume',
        tags,
        summary: 'Resume a paused webhook',
        description:
          'Deliveries flow again, and the parked ones go out first, in publish order, at most `HERALD_DRAIN_RATE` a second. Needs `webhooks:manage`.',
        protect: true,
      },
    })
    .input(webhookId)
    .output(webhookSchema)
    .mutation(async ({ ctx, input }) => toWebhook(await resumeWebhook(ctx, ctx.actor, input.id))),

  enable: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/{id}/enable',
        tags,
        summary: 'Enable a webhook Herald disabled',
        description:
          "Undoes a disabling, Herald's (`gone`: the endpoint answered 410; `failing`: every delivery failed for the whole window) or its owner's (`active: false`). The failing clock starts afresh, and parked deliveries go out in publish order at a bounded rate. Needs `webhooks:manage`.",
        protect: true,
      },
    })
    .input(webhookId)
    .output(webhookSchema)
    .mutation(async ({ ctx, input }) => toWebhook(await enableWebhook(ctx, ctx.actor, input.id))),
});
