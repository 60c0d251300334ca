import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import { findDelivery, listAttempts, listDeliveries } from '../../repositories/deliveries.js';
import { resourceId, pageOf, toPage } from '../schemas/common.js';
import { deliverySchema, deliveryWithAttemptsSchema, listDeliveriesInput, toAttempt, toDelivery } from '../schemas/delivery.js';
import { publicProcedure, router } from '../trpc.js';

export const deliveriesRouter = router({
  list: publicProcedure
    .input(listDeliveriesInput.default({ limit: 20 }))
    .output(pageOf(deliverySchema))
    .query(async ({ ctx, input }) => {
      const rows = await listDeliveries(ctx.db, { ...input, limit: input.limit + 1 });
      return toPage(rows, input.limit, toDelivery);
    }),

  get: publicProcedure
    .input(z.object({ id: resourceId }))
    .output(deliveryWithAttemptsSchema)
    .query(async ({ ctx, input }) => {
      const [delivery, attempts] = await Promise.all([findDelivery(ctx.db, input.id), listAttempts(ctx.db, input.id)]);
      if (!delivery) throw new NotFoundError('Delivery', input.id);
      return { ...toDelivery(delivery), attemptLog: attempts.map(toAttempt) };
    }),
});
