import { router } from '../trpc.js';
import { deliveriesRouter } from './deliveries.js';
import { eventsRouter } from './events.js';
import { webhooksRouter } from './webhooks.js';

export const appRouter = router({
  webhooks: webhooksRouter,
  events: eventsRouter,
  deliveries: deliveriesRouter,
});

/** The API's full type: the typed client is built from this alone. */
export type AppRouter = typeof appRouter;
