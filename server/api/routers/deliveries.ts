import { tracked } from '@trpc/server';
import { openAttemptStream } from '../../services/attempt-stream.js';
import { getDelivery, listDeliveryLog } from '../../services/deliveries.js';
import { retryDelivery, skipDelivery } from '../../services/redelivery.js';
import { idInput, pageOf, toPageOutput } from '../schemas/common.js';
import {
  deliverySchema,
  deliveryWithAttemptsSchema,
  listDeliveriesInput,
  tailDeliveriesInput,
  toAttempt,
  toDelivery,
  toDeliveryLogQuery,
  toStreamedAttempt,
  toPayload,
} from '../schemas/delivery.js';
import { sample } from '../schemas/examples.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['deliveries'];
const deliveryId = idInput('delivery', sample.deliveryId);

export const deliveriesRouter = router({
  list: protectedProcedure('deliveries:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/deliveries',
        tags,
        summary: 'The delivery log',
        description:
          "The deliveries of the key's workspace and mode, newest first, a page at a time, filtered by webhook, event, status, status class of the last attempt, event type and creation time. Needs `deliveries:read`.",
        protect: true,
      },
    })
    .input(listDeliveriesInput.prefault({}))
    .output(pageOf(deliverySchema))
    .query(async ({ ctx, input }) =>
      toPageOutput(await listDeliveryLog(ctx, ctx.principal, toDeliveryLogQuery(input)), toDelivery),
    ),

  get: protectedProcedure('deliveries:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/deliveries/{id}',
        tags,
        summary: 'Get a delivery and its attempts',
        description:
          "One delivery with its event's payload and every attempt made for it, oldest first: when each request went out, how long it took, the endpoint's status and the start of its answer, or why no answer came. Past the payload retention window the payload and the answers are gone (`payload: null`, `payloadExpired: true`) while the rest stays. Needs `deliveries:read`.",
        protect: true,
      },
    })
    .input(deliveryId)
    .output(deliveryWithAttemptsSchema)
    .query(async ({ ctx, input }) => {
      const { delivery, payloadJson, attempts } = await getDelivery(ctx, ctx.principal, input.id);
      return { ...toDelivery(delivery), ...toPayload(payloadJson), attemptLog: attempts.map(toAttempt) };
    }),

  retry: protectedProcedure('deliveries:retry')
    .meta({
      openapi: {
        method: 'POST',
        path: '/deliveries/{id}/retry',
        tags,
        summary: 'Retry a failed delivery',
        description:
          'Starts a new series of attempts for a delivery that failed, on the same schedule as the first series; the delivery is `pending` again until it settles. Only a failed delivery to an active webhook whose event still has its payload can be retried (409 otherwise, saying why). The body may be empty. Needs `deliveries:retry`.',
        protect: true,
      },
    })
    .input(deliveryId)
    .output(deliverySchema)
    .mutation(async ({ ctx, input }) => toDelivery(await retryDelivery(ctx, ctx.actor, input.id))),

  skip: protectedProcedure('deliveries:retry')
    .meta({
      openapi: {
        method: 'POST',
        path: '/deliveries/{id}/skip',
        tags,
        summary: 'Skip a failed delivery that holds its ordering key back',
        description:
          "Lets the later events of the delivery's ordering key go to its webhook, past this delivery, which failed for good and holds them back (`blocking: true`, because the webhook's `orderingOnFailure` is `block`). The delivery stays `failed` (it can still be retried, out of order); the key's next delivery becomes `pending` at once. Any other delivery is a 409. Audited as `deliveries.skip`. The body may be empty. Needs `deliveries:retry`.",
        protect: true,
      },
    })
    .input(deliveryId)
    .output(deliverySchema)
    .mutation(async ({ ctx, input }) => toDelivery(await skipDelivery(ctx, ctx.actor, input.id))),

  /**
   * Every attempt of the key's workspace and mode as it completes, over server-sent events (`httpSubscriptionLink`),
   * each exactly once; a client that reconnects with the last event id resumes right after it. The same stream is
   * served at `GET /v1/deliveries/tail` (`server/http/attempt-stream-route.ts`), which the OpenAPI document
   * describes by hand: the generator knows no subscriptions.
   */
  tail: protectedProcedure('deliveries:read')
    .meta({
      stream: {
        method: 'GET',
        path: '/deliveries/tail',
        tags,
        summary: 'Attempts as they complete (server-sent events)',
        description:
          "Every attempt of the key's workspace and mode as it completes, as server-sent events: one `message` event per attempt, its `data` a `StreamedAttempt` and its `id` the position in the stream. Each attempt is sent exactly once; reconnect with the last id received (`Last-Event-ID`, which an EventSource sends by itself, or `lastEventId`) and the stream resumes right after it, with whatever completed meanwhile. Without one it starts with the attempts that complete from now on. Filters narrow it to a webhook, an outcome or an event type. Idle streams get a comment line every 15 seconds. An error after the stream has started ends it with an `error` event whose data has the shape of every error. Needs `deliveries:read`.",
      },
    })
    .input(tailDeliveriesInput.prefault({}))
    .subscription(async ({ ctx, input, signal }) => {
      const stream = await openAttemptStream(
        ctx,
        ctx.principal,
        { webhookId: input.webhookId, eventType: input.eventType, outcomes: input.status ? [input.status] : undefined },
        { lastEventId: input.lastEventId, signal: signal ? AbortSignal.any([signal, ctx.closing]) : ctx.closing },
      );
      return (async function* () {
        for await (const item of stream) yield tracked(item.eventId, toStreamedAttempt(item));
      })();
    }),
});
