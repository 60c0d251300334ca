import { publishEvents } from '../../services/publish-event.js';
import { publishBatchChecks, publishChecks } from '../field-checks.js';
import {
  publishBatchInput,
  publishedBatchSchema,
  publishedEventSchema,
  publishEventInput,
  toPublishedEvent,
} from '../schemas/event.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['events'];

export const eventsRouter = router({
  publish: protectedProcedure('events:publish', publishChecks)
    .meta({
      openapi: {
        method: 'POST',
        path: '/events',
        tags,
        summary: 'Publish an event',
        description:
          "Stores the event and makes one delivery for every active webhook of the key's workspace and mode that subscribes to its type; each is POSTed to its endpoint at once and retried on the server's schedule until it succeeds or runs out of attempts. The event's id makes publishing idempotent: the same id again answers the first publication with `duplicate: true` and delivers nothing new, so retry a publish whose answer you did not get. When Herald cannot reach its workflow engine, nothing is stored and the answer is a 503 with `Retry-After`. Needs `events:publish`.",
        protect: true,
      },
    })
    .input(publishEventInput)
    .output(publishedEventSchema)
    .mutation(async ({ ctx, input }) =>
      toPublishedEvent((await publishEvents(ctx, ctx.principal, [input], { requestId: ctx.requestId }))[0]!),
    ),

  publishBatch: protectedProcedure('events:publish', publishBatchChecks)
    .meta({
      openapi: {
        method: 'POST',
        path: '/events/batch',
        tags,
        summary: 'Publish up to 500 events at once',
        description:
          'Publishes each event as `POST /events` does, all in one transaction: either every event is published, or none is (an invalid event or a conflicting id refuses the whole batch). Needs `events:publish`.',
        protect: true,
      },
    })
    .input(publishBatchInput)
    .output(publishedBatchSchema)
    .mutation(async ({ ctx, input }) => ({
      events: (await publishEvents(ctx, ctx.principal, input.events, { requestId: ctx.requestId })).map(
        toPublishedEvent,
      ),
    })),
});
