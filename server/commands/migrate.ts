import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

/** `herald migrate`: brings DATABASE_URL's schema up to date; exits non-zero on failure. */
export async function migrateCommand(config: Config): Promise<void> {
  if (!config.postgres.url)
    throw new ConfigError('herald migrate needs DATABASE_URL (`npm start` migrates its embedded database itself).');
  const db = createDatabase({ url: config.postgres.url, poolSize: 1, applicationName: 'herald-migrate' });
  try {
    await migrateToLatest(db, (message) => process.stdout.write(`${message}\n`));
    process.stdout.write('Database schema is up to date.\n');
  } finally {
    await db.destroy();
  }
}
