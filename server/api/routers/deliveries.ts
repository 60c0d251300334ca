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
} from '../schemas/delivery.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['deliveries'];

export const deliveriesRouter = router({
  list: protectedProcedure('deliveries:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/deliveries',
        tags,
        summary: 'The delivery log, newest first, filtered by webhook, event, status, status class, type and time',
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
        summary: 'A delivery with every attempt',
        protect: true,
      },
    })
    .input(idInput)
    .output(deliveryWithAttemptsSchema)
    .query(async ({ ctx, input }) => {
      const { delivery, attempts } = await getDelivery(ctx, ctx.principal, input.id);
      return { ...toDelivery(delivery), attemptLog: attempts.map(toAttempt) };
    }),

  retry: protectedProcedure('deliveries:retry')
    .meta({
      openapi: {
        method: 'POST',
        path: '/deliveries/{id}/retry',
        tags,
        summary: 'Start a new manual series of attempts for a failed delivery',
        protect: true,
      },
    })
    .input(idInput)
    .output(deliverySchema)
    .mutation(async ({ ctx, input }) => toDelivery(await retryDelivery(ctx, ctx.actor, input.id))),
});
