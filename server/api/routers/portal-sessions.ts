import { createPortalSession } from '../../services/portal-sessions.js';
import { createPortalSessionInput, portalSessionLinkSchema } from '../schemas/portal-session.js';
import { protectedProcedure, router } from '../trpc.js';

/** The main API's side of the portal: an app's backend opens a session for one of its customers. */
export const portalSessionsRouter = router({
  createSession: protectedProcedure('webhooks:manage')
    .meta({
      openapi: {
        method: 'POST',
        path: '/portal/sessions',
        tags: ['portal'],
        summary: 'Create a portal link',
        description:
          "Opens a session of the endpoint owners' portal for one of your customers (`owner`) and answers a one-time link to it. Give the link to the customer's browser (a redirect, or an iframe of your page whose origin is in the workspace's `portal.frameAncestors`): there they see their webhooks and every delivery, create and change webhooks, send tests, resend deliveries and rotate secrets, all limited to webhooks with that `owner`. Audited. Needs `webhooks:manage`.",
        protect: true,
      },
    })
    .input(createPortalSessionInput)
    .output(portalSessionLinkSchema)
    .mutation(async ({ ctx, input }) => {
      const session = await createPortalSession(ctx, ctx.actor, input);
      return {
        url: `${ctx.publicUrl()}/portal/session/${session.token}`,
        expiresAt: session.expiresAt.toISOString(),
      };
    }),
});
