import { z } from 'zod';
import { changeEventType, createEventType, getEventType, listEventTypes } from '../../services/event-types.js';
import { eventTypeName } from '../schemas/common.js';
import { createEventTypeInput, eventTypeSchema, toEventType, updateEventTypeInput } from '../schemas/event-type.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['event types'];

export const eventTypesRouter = router({
  list: protectedProcedure('webhooks:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/event-types',
        tags,
        summary: 'The event types webhooks can subscribe to (seed 003 "Get webhook events")',
        protect: true,
      },
    })
    .input(
      z
        .object({ includeArchived: z.enum(['true', 'false']).optional().describe('also list archived types') })
        .prefault({}),
    )
    .output(z.object({ data: z.array(eventTypeSchema) }))
    .query(async ({ ctx, input }) => {
      const rows = await listEventTypes(ctx, ctx.principal.workspaceId, {
        includeArchived: input.includeArchived === 'true',
      });
      return { data: rows.map(toEventType) };
    }),

  get: protectedProcedure('webhooks:read')
    .meta({ openapi: { method: 'GET', path: '/event-types/{name}', tags, summary: 'One event type', protect: true } })
    .input(z.object({ name: eventTypeName }))
    .output(eventTypeSchema)
    .query(async ({ ctx, input }) => toEventType(await getEventType(ctx, ctx.principal.workspaceId, input.name))),

  create: protectedProcedure('events:publish')
    .meta({
      openapi: {
        method: 'POST',
        path: '/event-types',
        tags,
        summary: 'Add an event type to the catalog (from then on, only catalog types are accepted)',
        protect: true,
      },
    })
    .input(createEventTypeInput)
    .output(eventTypeSchema)
    .mutation(async ({ ctx, input }) => {
      const { name, ...fields } = input;
      return toEventType(await createEventType(ctx, ctx.actor, name, fields));
    }),

  update: protectedProcedure('events:publish')
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/event-types/{name}',
        tags,
        summary: 'Change, deprecate or archive an event type',
        protect: true,
      },
    })
    .input(updateEventTypeInput)
    .output(eventTypeSchema)
    .mutation(async ({ ctx, input }) => {
      const { name, ...fields } = input;
      return toEventType(await changeEventType(ctx, ctx.actor, name, fields));
    }),
});
