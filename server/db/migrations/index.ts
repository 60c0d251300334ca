import type { Migration } from 'kysely';
import * as initialSchema from './2026-11-25T10-00-initial-schema.js';

/** Every migration, in order. Names sort by their timestamp prefix. */
export const migrations: Record<string, Migration> = {
  '2026-11-25T10-00-initial-schema': initialSchema,
};
