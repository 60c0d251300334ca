import { publishEvent } from '../../services/publish-event.js';
import { publishedEventSchema, publishEventInput } from '../schemas/event.js';
import { publicProcedure, router } from '../trpc.js';

export const eventsRouter = router({
  publish: publicProcedure
    .input(publishEventInput)
    .output(publishedEventSchema)
    .mutation(({ ctx, input }) => publishEvent(ctx, input)),
});
