import { cancelRecovery, recoveryStatus } from '../../services/redelivery.js';
import type { RecoveryStatus } from '../../temporal/workflow-gateway.js';
import { idInput } from '../schemas/common.js';
import { sample } from '../schemas/examples.js';
import { recoverySchema } from '../schemas/recovery.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['deliveries'];
const recoveryId = idInput('recovery', sample.recoveryId);

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
        summary: 'Follow a recovery',
        description:
          'The state and progress of a recovery started by `POST /webhooks/{id}/recover`. Needs `deliveries:read`.',
        protect: true,
      },
    })
    .input(recoveryId)
    .output(recoverySchema)
    .query(async ({ ctx, input }) => toRecovery(await recoveryStatus(ctx, ctx.actor, input.id))),

  cancel: protectedProcedure('deliveries:retry')
    .meta({
      openapi: {
        method: 'POST',
        path: '/recoveries/{id}/cancel',
        tags,
        summary: 'Stop a recovery',
        description:
          'Stops a running recovery once the page of deliveries it is redelivering is done; what it redelivered stays redelivered. The body may be empty. Needs `deliveries:retry`.',
        protect: true,
      },
    })
    .input(recoveryId)
    .output(recoverySchema)
    .mutation(async ({ ctx, input }) => toRecovery(await cancelRecovery(ctx, ctx.actor, input.id))),
});
