import { loadConfig } from './config.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { startCommand } from './commands/start.js';

const usage = `Usage: herald <command>
  start     the whole stack: embedded Postgres and Temporal dev server unless DATABASE_URL / TEMPORAL_ADDRESS are set
  api       the HTTP API only (needs DATABASE_URL and TEMPORAL_ADDRESS)
  worker    the Temporal worker only (needs DATABASE_URL and TEMPORAL_ADDRESS)
  migrate   bring the database schema up to date (needs DATABASE_URL)`;

const commands: Record<string, (config: ReturnType<typeof loadConfig>) => Promise<void>> = {
  start: startCommand,
  api: (config) => serveCommand(config, 'api'),
  worker: (config) => serveCommand(config, 'worker'),
  migrate: migrateCommand,
};

const name = process.argv[2] ?? 'start';
const command = commands[name];
if (!command) {
  process.stderr.write(`Unknown command "${name}".\n${usage}\n`);
  process.exit(2);
}
try {
  await command(loadConfig());
} catch (error) {
  process.stderr.write(`\nherald ${name} failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
