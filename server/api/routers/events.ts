import { z } from 'zod';
import { publishEvents } from '../../services/publish-event.js';
import { publishBatchInput, publishedEventSchema, publishEventInput, toPublishedEvent } from '../schemas/event.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['events'];

export const eventsRouter = router({
  publish: protectedProcedure('events:publish')
    .meta({
      openapi: {
        method: 'POST',
        path: '/events',
        tags,
        summary: 'Publish an event to every subscribed webhook',
        protect: true,
      },
    })
    .input(publishEventInput)
    .output(publishedEventSchema)
    .mutation(async ({ ctx, input }) => toPublishedEvent((await publishEvents(ctx, ctx.principal, [input]))[0]!)),

  publishBatch: protectedProcedure('events:publish')
    .meta({
      openapi: {
        method: 'POST',
        path: '/events/batch',
        tags,
        summary: 'Publish up to 500 events in one call and one transaction',
        protect: true,
      },
    })
    .input(publishBatchInput)
    .output(z.object({ events: z.array(publishedEventSchema) }))
    .mutation(async ({ ctx, input }) => ({
      events: (await publishEvents(ctx, ctx.principal, input.events)).map(toPublishedEvent),
    })),
});
