import { router } from '../trpc.js';
import { apiKeysRouter, workspacesRouter } from './admin.js';
import { auditRouter } from './audit.js';
import { deliveriesRouter } from './deliveries.js';
import { eventTypesRouter } from './event-types.js';
import { eventsRouter } from './events.js';
import { portalSessionsRouter } from './portal-sessions.js';
import { recoveriesRouter } from './recoveries.js';
import { webhooksRouter } from './webhooks.js';

export const appRouter = router({
  webhooks: webhooksRouter,
  events: eventsRouter,
  eventTypes: eventTypesRouter,
  deliveries: deliveriesRouter,
  recoveries: recoveriesRouter,
  audit: auditRouter,
  workspaces: workspacesRouter,
  apiKeys: apiKeysRouter,
  portal: portalSessionsRouter,
});

/** The API's full type: the typed client is built from this alone. */
export type AppRouter = typeof appRouter;
