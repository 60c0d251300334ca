import type { ReferenceObject, SchemaObject } from 'openapi3-ts/oas31';
import { z } from 'zod';
import { filterOperators, type PayloadFilter } from '../../db/payload-filter.js';
import { FILTER_LIMITS, payloadFilterIssues } from '../../delivery/payload-filter-rules.js';

/**
 * A payload filter in the API. Its checks are Herald's own (`payloadFilterIssues`): they name every invalid part
 * at its path (`filter.and.1.in`) where a union of zod schemas would only say "invalid input", and they bound the
 * work before anything recursive runs. The document describes the same language as JSON Schema, written here;
 * `test/unit/payload-filter.test.ts` holds the two to each other.
 */

const ref: ReferenceObject = { $ref: '#/components/schemas/PayloadFilter' };
const scalar: SchemaObject = { type: ['string', 'number', 'boolean', 'null'], maxLength: FILTER_LIMITS.stringLength };
const operandSchemas: Record<(typeof filterOperators)[number], { schema: SchemaObject; description: string }> = {
  eq: { schema: scalar, description: 'The field equals this value (strictly: `1` is not `"1"`).' },
  ne: { schema: scalar, description: 'The field is present and differs from this value.' },
  in: {
    schema: { type: 'array', minItems: 1, maxItems: FILTER_LIMITS.inValues, items: scalar },
    description: 'The field equals one of these values.',
  },
  exists: {
    schema: { type: 'boolean' },
    description: 'true: the field is present (null counts as present); false: it is absent.',
  },
  gt: { schema: { type: ['number', 'string'], maxLength: FILTER_LIMITS.stringLength }, description: 'Greater than.' },
  gte: { schema: { type: ['number', 'string'], maxLength: FILTER_LIMITS.stringLength }, description: 'At least.' },
  lt: { schema: { type: ['number', 'string'], maxLength: FILTER_LIMITS.stringLength }, description: 'Less than.' },
  lte: { schema: { type: ['number', 'string'], maxLength: FILTER_LIMITS.stringLength }, description: 'At most.' },
  prefix: {
    schema: { type: 'string', minLength: 1, maxLength: FILTER_LIMITS.stringLength },
    description: 'The field is a string that starts with this.',
  },
  suffix: {
    schema: { type: 'string', minLength: 1, maxLength: FILTER_LIMITS.stringLength },
    description: 'The field is a string that ends with this.',
  },
  contains: {
    schema: { type: 'string', minLength: 1, maxLength: FILTER_LIMITS.stringLength },
    description: 'The field is a string that contains this.',
  },
};

const fieldSchema: SchemaObject = {
  type: 'string',
  maxLength: FILTER_LIMITS.pathLength,
  pattern: `^(?:type|data(?:\\.[^.]+){1,${FILTER_LIMITS.pathSegments - 1}})$`,
  description:
    '`type`, or a dotted path into the event data, up to 10 segments: `data.customer.id`; a number indexes a list (`data.items.0.sku`).',
};

const group = (key: 'and' | 'or', description: string): SchemaObject => ({
  type: 'object',
  required: [key],
  additionalProperties: false,
  description,
  properties: { [key]: { type: 'array', minItems: 1, maxItems: FILTER_LIMITS.conditions, items: ref } },
});

/** The language as JSON Schema, for the API reference. */
const filterJsonSchema: SchemaObject = {
  anyOf: [
    ...filterOperators.map((operator): SchemaObject => ({
      type: 'object',
      required: ['field', operator],
      additionalProperties: false,
      description: operandSchemas[operator].description,
      properties: { field: fieldSchema, [operator]: operandSchemas[operator].schema },
    })),
    group('and', 'Every filter of the list holds.'),
    group('or', 'At least one filter of the list holds.'),
    {
      type: 'object' as const,
      required: ['not'],
      additionalProperties: false,
      description: 'The filter does not hold (a condition on a missing field does not hold, so `not` admits it).',
      properties: { not: ref },
    },
  ],
};

export const payloadFilterExample: PayloadFilter = {
  and: [
    { field: 'data.amount', gte: 100 },
    { field: 'data.currency', in: ['EUR', 'USD'] },
    { not: { field: 'data.test', eq: true } },
    { field: 'data.customer.id', exists: true },
  ],
};

export const payloadFilterSchema = (
  z.unknown().superRefine((value, ctx) => {
    for (const issue of payloadFilterIssues(value)) ctx.addIssue({ code: 'custom', ...issue });
  }) as unknown as z.ZodType<PayloadFilter, PayloadFilter>
).meta({
  id: 'PayloadFilter',
  description: `Conditions on an event that decide whether it is delivered, checked when it is published: an event that fails them creates no delivery for this webhook. A condition names one field (\`type\`, or a dotted path into \`data\`) and one operator: ${filterOperators.map((o) => `\`${o}\``).join(', ')}; \`and\`, \`or\` and \`not\` combine them. A condition on a field the event lacks does not hold, \`ne\` included (only \`exists: false\` holds); \`gt\`/\`gte\`/\`lt\`/\`lte\` compare numbers with numbers and strings with strings (by character code: ISO 8601 times compare as times), and string operators apply to strings only; any other pairing simply does not hold. At most ${FILTER_LIMITS.depth} levels, ${FILTER_LIMITS.conditions} conditions and ${FILTER_LIMITS.bytes} bytes as JSON. Where the catalog has a JSON Schema for the subscribed types, every field must be one of theirs.`,
  examples: [payloadFilterExample],
  override: filterJsonSchema,
});
