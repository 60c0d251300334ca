import { z } from 'zod';
import type { EventTypeRow } from '../../db/tables/event-types.table.js';
import { eventTypeName, isoTimestamp, storableJsonObject, text } from './common.js';
import { sample } from './examples.js';

const orderShippedSchema = {
  type: 'object',
  required: ['orderId', 'carrier'],
  properties: { orderId: { type: 'string' }, carrier: { type: 'string' }, trackingNumber: { type: 'string' } },
};

const jsonSchema = storableJsonObject.nullable().meta({
  description:
    'A JSON Schema (2020-12, formats included) that the `data` of every published event of this type must satisfy; it must compile. No string or key in it may contain a NUL character. Null removes it.',
  examples: [orderShippedSchema],
});

const exampleData = storableJsonObject.nullable().meta({
  description:
    'An example of `data`, sent by test sends of this type; it must satisfy the schema. No string or key in it may contain a NUL character. Null removes it.',
  examples: [sample.eventData],
});

const eventTypeExample = {
  name: 'order.shipped',
  description: 'An order left the warehouse.',
  schema: orderShippedSchema,
  example: sample.eventData,
  deprecated: false,
  archived: false,
  createdAt: sample.createdAt,
  updatedAt: sample.createdAt,
};

export const eventTypeSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    schema: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The JSON Schema `data` must satisfy.' }),
    example: z.unknown().meta({ description: 'Example `data`, used by test sends.' }),
    deprecated: z.boolean().meta({ description: 'Still published and delivered; a sign to move on.' }),
    archived: z.boolean().meta({ description: 'Can no longer be published or newly subscribed to.' }),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({
    id: 'EventType',
    description: "An entry of the workspace's event type catalog.",
    examples: [eventTypeExample],
  });

const typeDescription = text(0, 2000).meta({
  description: 'What the event means, for people; up to 2,000 characters.',
});
const deprecated = z.boolean().meta({ description: 'Marks the type as on its way out; it is still delivered.' });

export const createEventTypeInput = z
  .object({
    name: eventTypeName.meta({ description: 'Dot-delimited words, such as `order.shipped`; unique in the workspace.' }),
    description: typeDescription.optional(),
    schema: jsonSchema.optional(),
    example: exampleData.optional(),
    deprecated: deprecated.optional(),
  })
  .meta({
    examples: [
      {
        name: 'order.shipped',
        description: 'An order left the warehouse.',
        schema: orderShippedSchema,
        example: sample.eventData,
      },
    ],
  });

export const updateEventTypeInput = z
  .object({
    name: eventTypeName.meta({ description: "The event type's name." }),
    description: typeDescription.optional(),
    schema: jsonSchema.optional(),
    example: exampleData.optional(),
    deprecated: deprecated.optional(),
    archived: z
      .boolean()
      .meta({ description: 'True: no longer published nor newly subscribed to; existing subscriptions stay.' })
      .optional(),
  })
  .refine((input) => Object.entries(input).some(([key, value]) => key !== 'name' && value !== undefined), {
    message: 'nothing to update: pass at least one field',
  })
  // The refinement above, as the API reference can state it: the body needs at least one field.
  .meta({ minProperties: 1, examples: [{ deprecated: true }] });

export function toEventType(row: EventTypeRow): z.infer<typeof eventTypeSchema> {
  return {
    name: row.name,
    description: row.description,
    schema: (row.schema as Record<string, unknown> | null) ?? null,
    example: row.example ?? null,
    deprecated: row.deprecated,
    archived: row.archived,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
