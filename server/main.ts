import { type Config, loadConfig } from './config.js';

const usage = `Usage: herald <command>
  start     the whole stack: embedded Postgres and Temporal dev server unless DATABASE_URL / TEMPORAL_ADDRESS are set
  api       the HTTP API only (needs DATABASE_URL and TEMPORAL_ADDRESS)
  worker    the Temporal worker only (needs DATABASE_URL and TEMPORAL_ADDRESS)
  migrate   bring the database schema up to date (needs DATABASE_URL)
  bundle-workflows <file>
            write the workflow bundle to <file>; point HERALD_WORKFLOW_BUNDLE at it so workers skip bundling at start`;

// Loaded on demand, so production roles never load the development stack (embedded Postgres, dev server).
const commands: Record<string, () => Promise<(config: Config) => Promise<void>>> = {
  start: async () => (await import('./commands/start.js')).startCommand,
  api: async () => {
    const { serveCommand } = await import('./commands/serve.js');
    return (config) => serveCommand(config, 'api');
  },
  worker: async () => {
    const { serveCommand } = await import('./commands/serve.js');
    return (config) => serveCommand(config, 'worker');
  },
  migrate: async () => (await import('./commands/migrate.js')).migrateCommand,
  'bundle-workflows': async () => {
    const { bundleWorkflowsCommand } = await import('./commands/bundle-workflows.js');
    return () => bundleWorkflowsCommand(process.argv[3]);
  },
};

const name = process.argv[2] ?? 'start';
const load = commands[name];
if (!load) {
  process.stderr.write(`Unknown command "${name}".\n${usage}\n`);
  process.exit(2);
}
try {
  const command = await load();
  await command(loadConfig());
} catch (error) {
  process.stderr.write(`\nherald ${name} failed: ${(error as Error).message}\n`);
  // Whatever was started has been stopped; exit now, as a supervisor expects, even if a library keeps a handle open.
  process.exit(1);
}
