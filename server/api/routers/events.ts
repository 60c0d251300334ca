import { cancelScheduledEvent } from '../../services/cancel-event.js';
import { publishEvents } from '../../services/publish-event.js';
import { publishBatchChecks, publishChecks } from '../field-checks.js';
import {
  cancelEventInput,
  cancelledEventSchema,
  publishBatchInput,
  publishedBatchSchema,
  publishedEventSchema,
  publishEventInput,
  toCancelledEvent,
  toPublishedEvent,
  toPublishInput,
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
          "Stores the event and makes one delivery for every active webhook of the key's workspace and mode that subscribes to its type; each is POSTed to its endpoint at once (or at `deliverAt`, for a scheduled send) and retried on the server's schedule until it succeeds or runs out of attempts. The event's id makes publishing idempotent: the same id again answers the first publication with `duplicate: true` and delivers nothing new, so retry a publish whose answer you did not get. When Herald cannot reach its workflow engine, nothing is stored and the answer is a 503 with `Retry-After`. Needs `events:publish`.",
        protect: true,
      },
    })
    .input(publishEventInput)
    .output(publishedEventSchema)
    .mutation(async ({ ctx, input }) =>
      toPublishedEvent(
        (await publishEvents(ctx, ctx.principal, [toPublishInput(input)], { requestId: ctx.requestId }))[0]!,
      ),
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
      events: (
        await publishEvents(ctx, ctx.principal, input.events.map(toPublishInput), { requestId: ctx.requestId })
      ).map(toPublishedEvent),
    })),

  cancel: protectedProcedure('events:publish')
    .meta({
      openapi: {
        method: 'POST',
        path: '/events/{id}/cancel',
        tags,
        summary: 'Cancel a scheduled event before it is sent',
        description:
          'Withdraws an event published with `deliverAt` before its time: its deliveries become `cancelled` and nothing is sent. Cancelling it again answers the same. An event already sent (any of its deliveries no longer `scheduled`), or one published for delivery at once, is a 409. Audited as `events.cancel`. Needs `events:publish`.',
        protect: true,
      },
    })
    .input(cancelEventInput)
    .output(cancelledEventSchema)
    .mutation(async ({ ctx, input }) => toCancelledEvent(await cancelScheduledEvent(ctx, ctx.actor, input.id))),
});
