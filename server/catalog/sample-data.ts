import { generateSync, type JsonSchema } from 'json-schema-faker';

/** What a test event carries when its type has neither an example nor a schema. */
export const DEFAULT_SAMPLE = { message: 'This is a test event sent by Herald.' };

/**
 * Data for a sample event of a type, for test sends and `herald trigger` without `--data`: the type's example when
 * it has one, else an object generated from its JSON Schema (fixed seed: the same schema gives the same sample, so
 * a receiver sees a stable test payload), else the default message. A schema whose sample is not an object (the
 * envelope's `data` always is) falls back to the default too.
 */
export function sampleData(type: { example?: unknown; schema?: unknown } | undefined): Record<string, unknown> {
  if (isObject(type?.example)) return type.example;
  if (isObject(type?.schema)) {
    const generated = generateSync(type.schema as JsonSchema, { seed: 1, alwaysFakeOptionals: true, maxDepth: 6 });
    if (isObject(generated)) return generated;
  }
  return DEFAULT_SAMPLE;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
