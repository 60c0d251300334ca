import { getDelivery, listDeliveryLog } from '../../services/deliveries.js';
import { retryDelivery } from '../../services/redelivery.js';
import { idInput, pageOf, toPageOutput } from '../schemas/common.js';
import {
  deliverySchema,
  deliveryWithAttemptsSchema,
  listDeliveriesInput,
  toAttempt,
  toDelivery,
  toDeliveryLogQuery,
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
});
