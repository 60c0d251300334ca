import { portalRouter } from '../../portal-trpc.js';
import { portalDeliveriesRouter, portalRecoveriesRouter } from './deliveries.js';
import { portalEventTypesRouter, portalSessionRouter } from './session.js';
import { portalWebhooksRouter } from './webhooks.js';

/**
 * The endpoint owners' portal, served at /portal/trpc: its own router, context (the session cookie, never an API
 * key) and checks (`portalProcedure`). Every procedure acts within the session's workspace, mode and owner.
 */
export const portalAppRouter = portalRouter({
  session: portalSessionRouter,
  eventTypes: portalEventTypesRouter,
  webhooks: portalWebhooksRouter,
  deliveries: portalDeliveriesRouter,
  recoveries: portalRecoveriesRouter,
});

/** The portal's full type: the portal's page builds its typed client from this alone. */
export type PortalRouter = typeof portalAppRouter;
