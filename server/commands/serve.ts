import { startApp, type Role } from '../app/create-app.js';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import { ensurePortalAssets } from '../http/portal-assets.js';
import { createLogger } from '../logger.js';
import { bootstrapNotice } from './bootstrap-notice.js';
import { Lifecycle } from './lifecycle.js';

const say = (message: string) => process.stdout.write(`${message}\n`);

/**
 * `herald api` / `herald worker`: one role against a Postgres and a Temporal cluster that already run,
 * for production deployments that scale API and worker processes apart.
 */
export async function serveCommand(config: Config, role: Role): Promise<void> {
  const { url } = config.postgres;
  const { address } = config.temporal;
  if (!url || !address) {
    const missing = [!url && 'DATABASE_URL', !address && 'TEMPORAL_ADDRESS'].filter(Boolean).join(' and ');
    throw new ConfigError(`herald ${role} needs ${missing}; for a self-contained development stack use \`npm start\`.`);
  }
  const logger = createLogger(config.logLevel, 'herald', {
    format: config.logFormat,
    production: config.mode === 'production',
  });
  if (role === 'api') {
    // The portal is one page of the API: a failed build leaves it unavailable (503), never the API down.
    const portal = await ensurePortalAssets().catch((error: Error) => {
      logger.warn({ err: error }, "building the portal's page failed");
      return 'missing' as const;
    });
    if (portal === 'missing') logger.warn("the portal's page is not built (no dist/portal-ui): /portal/ answers 503");
  }
  const lifecycle = new Lifecycle(say);
  lifecycle.handleSignals();
  const app = await startApp({
    config,
    databaseUrl: url,
    temporalAddress: address,
    roles: [role],
    migrate: false,
    logger,
    onFatal: () => void lifecycle.stopAndExit(1),
  });
  lifecycle.add('Herald', () => app.stop());
  if (app.bootstrap?.kind === 'generated') say(bootstrapNotice(app.bootstrap));
  logger.info({ role, apiUrl: app.apiUrl, taskQueue: config.temporal.taskQueue }, `herald ${role} started`);
}
