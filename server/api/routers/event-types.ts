import { z } from 'zod';
import { changeEventType, createEventType, getEventType, listEventTypes } from '../../services/event-types.js';
import { createEventTypeChecks, updateEventTypeChecks } from '../field-checks.js';
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
        summary: 'List the event type catalog',
        description:
          "The event types of the key's workspace, by name: what webhooks can subscribe to and events can be published as. While the catalog is empty, any dot-delimited name is accepted. Needs `webhooks:read`.",
        protect: true,
      },
    })
    .input(
      z
        .object({
          includeArchived: z
            .enum(['true', 'false'])
            .meta({ description: 'Also list archived types (`true`); by default they are left out.' })
            .optional(),
        })
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
    .meta({
      openapi: {
        method: 'GET',
        path: '/event-types/{name}',
        tags,
        summary: 'Get an event type',
        description: 'One event type of the catalog, archived or not. Needs `webhooks:read`.',
        protect: true,
      },
    })
    .input(z.object({ name: eventTypeName.meta({ description: "The event type's name." }) }))
    .output(eventTypeSchema)
    .query(async ({ ctx, input }) => toEventType(await getEventType(ctx, ctx.principal.workspaceId, input.name))),

  create: protectedProcedure('events:publish', createEventTypeChecks)
    .meta({
      openapi: {
        method: 'POST',
        path: '/event-types',
        tags,
        summary: 'Add an event type to the catalog',
        description:
          "Adds a type to the workspace's catalog. The catalog is opt-in: from its first type on, webhooks may only subscribe to its types that are not archived (or to wildcards matching one), and events may only be published as such a type, with `data` that satisfies the type's schema when it has one. A name already in the catalog is a 409. Needs `events:publish`.",
        protect: true,
      },
    })
    .input(createEventTypeInput)
    .output(eventTypeSchema)
    .mutation(async ({ ctx, input }) => {
      const { name, ...fields } = input;
      return toEventType(await createEventType(ctx, ctx.actor, name, fields));
    }),

  update: protectedProcedure('events:publish', updateEventTypeChecks)
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/event-types/{name}',
        tags,
        summary: 'Change, deprecate or archive an event type',
        description:
          'Changes the fields you pass, at least one. An archived type can no longer be published nor newly subscribed to; webhooks that subscribe to it keep their subscription. A new schema applies to events published from now on; the example must satisfy the schema. Needs `events:publish`.',
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
