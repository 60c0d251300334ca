import { portalEventTypes } from '../../../services/portal.js';
import { toPortalEventType, toPortalSession } from '../../schemas/portal.js';
import { portalProcedure, portalRouter } from '../../portal-trpc.js';

export const portalSessionRouter = portalRouter({
  /** Who the session is for, what it may do, until when, and how the portal looks. */
  get: portalProcedure.query(({ ctx }) => toPortalSession(ctx.session)),
});

export const portalEventTypesRouter = portalRouter({
  /** The catalog's event types the workspace offers owners, with descriptions, schemas and examples. */
  list: portalProcedure.query(async ({ ctx }) =>
    (await portalEventTypes(ctx, ctx.principal, ctx.session.settings)).map(toPortalEventType),
  ),
});
