import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

/**
 * JSON Schema (2020-12, with formats) for event payloads. Compiled validators are cached by schema text, so a
 * type's schema is compiled once per process however often events of it are published.
 */
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const cache = new Map<string, ValidateFunction>();

export interface SchemaIssue {
  path: string;
  message: string;
}

/** Why `schema` is not a usable JSON Schema, or undefined when it is. */
export function schemaProblem(schema: unknown): string | undefined {
  try {
    ajv.compile(schema as object);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The ways `data` breaks `schema`, as field paths under `prefix` (such as `data.orderId`). */
export function validateAgainst(schema: unknown, data: unknown, prefix: string): SchemaIssue[] {
  const text = JSON.stringify(schema);
  let validate = cache.get(text);
  if (!validate) {
    validate = ajv.compile(schema as object);
    if (cache.size > 1_000) cache.clear();
    cache.set(text, validate);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).map((error) => {
    const pointer = error.instancePath
      .split('/')
      .slice(1)
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
    const missing = error.keyword === 'required' ? [(error.params as { missingProperty: string }).missingProperty] : [];
    return { path: [prefix, ...pointer, ...missing].join('.'), message: error.message ?? 'is invalid' };
  });
}
