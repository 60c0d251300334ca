import { z } from 'zod';
import type { EventTypeRow } from '../../db/tables/event-types.table.js';
import { eventTypeName, isoTimestamp, storableJsonObject, text } from './common.js';

const jsonSchema = storableJsonObject.describe('a JSON Schema (2020-12) the `data` of published events must satisfy');

export const eventTypeSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    schema: z.record(z.string(), z.unknown()).nullable(),
    example: z.unknown(),
    deprecated: z.boolean(),
    archived: z.boolean(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'EventType' });

export const createEventTypeInput = z.object({
  name: eventTypeName,
  description: text(0, 2000).optional(),
  schema: jsonSchema.nullable().optional(),
  example: storableJsonObject.nullable().optional(),
  deprecated: z.boolean().optional(),
});

export const updateEventTypeInput = z
  .object({
    name: eventTypeName,
    description: text(0, 2000).optional(),
    schema: jsonSchema.nullable().optional(),
    example: storableJsonObject.nullable().optional(),
    deprecated: z.boolean().optional(),
    archived: z.boolean().optional(),
  })
  .refine((input) => Object.entries(input).some(([key, value]) => key !== 'name' && value !== undefined), {
    message: 'nothing to update: pass at least one field',
  });

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
