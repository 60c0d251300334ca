import type { DeliveryFilter } from '../../repositories/deliveries.js';
import { findDelivery, listAttempts, listDeliveries } from '../../repositories/deliveries.js';
import { NotFoundError } from '../../errors.js';
import { retryDelivery } from '../../services/redelivery.js';
import { idInput, pageOf, toPage } from '../schemas/common.js';
import { deliverySchema, deliveryWithAttemptsSchema, listDeliveriesInput, toAttempt, toDelivery } from '../schemas/delivery.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['deliveries'];

/** API filters as the repository takes them: one more row than the page, to know whether another follows. */
export function deliveryLogFilter(input: Omit<DeliveryFilter, 'from' | 'to'> & { from?: string | undefined; to?: string | undefined }): DeliveryFilter {
  return { ...input, from: input.from ? new Date(input.from) : undefined, to: input.to ? new Date(input.to) : undefined, limit: input.limit + 1 };
}

export const deliveriesRouter = router({
  list: protectedProcedure('deliveries:read')
    .meta({ openapi: { method: 'GET', path: '/deliveries', tags, summary: 'The delivery log, newest first, filtered by webhook, event, status, status class, type and time', protect: true } })
    .input(listDeliveriesInput.prefault({}))
    .output(pageOf(deliverySchema))
    .query(async ({ ctx, input }) => {
      const rows = await listDeliveries(ctx.db, ctx.principal, deliveryLogFilter(input));
      return toPage(rows, input.limit, toDelivery);
    }),

  get: protectedProcedure('deliveries:read')
    .meta({ openapi: { method: 'GET', path: '/deliveries/{id}', tags, summary: 'A delivery with every attempt', protect: true } })
    .input(idInput)
    .output(deliveryWithAttemptsSchema)
    .query(async ({ ctx, input }) => {
      const delivery = await findDelivery(ctx.db, ctx.principal, input.id);
      if (!delivery) throw new NotFoundError('Delivery', input.id);
      return { ...toDelivery(delivery), attemptLog: (await listAttempts(ctx.db, input.id)).map(toAttempt) };
    }),

  retry: protectedProcedure('deliveries:retry')
    .meta({ openapi: { method: 'POST', path: '/deliveries/{id}/retry', tags, summary: 'Start a new manual series of attempts for a failed delivery', protect: true } })
    .input(idInput)
    .output(deliverySchema)
    .mutation(async ({ ctx, input }) => toDelivery(await retryDelivery(ctx, ctx.actor, input.id))),
});
