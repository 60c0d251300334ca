import { cancelRecovery, recoveryStatus } from '../../services/redelivery.js';
import type { RecoveryStatus } from '../../temporal/workflow-gateway.js';
import { idInput } from '../schemas/common.js';
import { recoverySchema } from '../schemas/recovery.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['deliveries'];

function toRecovery(status: RecoveryStatus) {
  const { afterId: _afterId, ...progress } = status.progress;
  return { id: status.id, webhookId: status.webhookId, since: status.since, state: status.state, progress };
}

export const recoveriesRouter = router({
  get: protectedProcedure('deliveries:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/recoveries/{id}',
        tags,
        summary: 'Progress of a webhook recovery',
        protect: true,
      },
    })
    .input(idInput)
    .output(recoverySchema)
    .query(async ({ ctx, input }) => toRecovery(await recoveryStatus(ctx, ctx.actor, input.id))),

  cancel: protectedProcedure('deliveries:retry')
    .meta({
      openapi: {
        method: 'POST',
        path: '/recoveries/{id}/cancel',
        tags,
        summary: 'Stop a running recovery after the page in flight',
        protect: true,
      },
    })
    .input(idInput)
    .output(recoverySchema)
    .mutation(async ({ ctx, input }) => toRecovery(await cancelRecovery(ctx, ctx.actor, input.id))),
});
