import { listDeliveryLog } from '../../../services/deliveries.js';
import { getDeliveryWithPayload } from '../../../services/portal.js';
import { recoverWebhook, recoveryStatus, retryDelivery } from '../../../services/redelivery.js';
import { toDate } from '../../schemas/common.js';
import {
  portalDeliveriesInput,
  portalIdInput,
  portalRecoveryProgressInput,
  portalRecoveryStartInput,
  toPortalDelivery,
  toPortalDeliveryDetail,
  toPortalRecoveryProgress,
} from '../../schemas/portal.js';
import { portalProcedure, portalRouter } from '../../portal-trpc.js';

/**
 * An owner's delivery log. The scope names the owner, so the log's queries keep to deliveries of that owner's
 * webhooks (`deliveriesInScope`): another owner's delivery is not found, and never listed.
 */
export const portalDeliveriesRouter = portalRouter({
  list: portalProcedure.input(portalDeliveriesInput).query(async ({ ctx, input }) => {
    const { since, until, ...filters } = input;
    const page = await listDeliveryLog(ctx, ctx.principal, { ...filters, from: toDate(since), to: toDate(until) });
    return { data: page.items.map(toPortalDelivery), nextCursor: page.nextCursor };
  }),

  get: portalProcedure.input(portalIdInput).query(async ({ ctx, input }) => {
    const { delivery, attempts, payload } = await getDeliveryWithPayload(ctx, ctx.principal, input.id);
    return toPortalDeliveryDetail(delivery, attempts, payload);
  }),

  /** A new series of attempts for a failed delivery. */
  resend: portalProcedure.input(portalIdInput).mutation(async ({ ctx, input }) => ({
    deliveryId: (await retryDelivery(ctx, ctx.actor, input.id)).id,
  })),
});

export const portalRecoveriesRouter = portalRouter({
  /** Redelivers, once each, every delivery of one of the owner's webhooks that failed since a time. */
  start: portalProcedure.input(portalRecoveryStartInput).mutation(async ({ ctx, input }) => ({
    recoveryId: (await recoverWebhook(ctx, ctx.actor, { id: input.webhookId, since: new Date(input.since) })).id,
  })),

  progress: portalProcedure
    .input(portalRecoveryProgressInput)
    .query(async ({ ctx, input }) => toPortalRecoveryProgress(await recoveryStatus(ctx, ctx.actor, input.recoveryId))),
});
