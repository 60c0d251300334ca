import { Migrator } from 'kysely';
import type { Db } from './database.js';
import { migrations } from './migrations/index.js';

/** Brings the schema to the latest migration; throws (after logging what ran) if any migration fails. */
export async function migrateToLatest(db: Db, log: (message: string) => void): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === 'Success') log(`migration ${result.migrationName} applied`);
    if (result.status === 'Error') log(`migration ${result.migrationName} FAILED`);
  }
  if (error)
    throw new Error(`Database migration failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
}
