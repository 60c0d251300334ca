import type { FastifyInstance } from 'fastify';
import { RETRY_AFTER_SECONDS } from '../dependency-errors.js';

/** Named dependency probes; each resolves when its dependency answers. */
export type HealthChecks = Record<string, () => Promise<unknown>>;

/** All checks run at once, so both routes answer within this, whichever dependency is down. */
const CHECK_TIMEOUT_MS = 800;

/**
 * GET /healthz (alive) and GET /readyz (ready to take traffic). Both probe the dependencies and name any that is
 * down, but only readiness fails for it: a process that waits out a Postgres or Temporal outage is alive and must
 * not be restarted by its orchestrator, only taken out of the load balancer until the dependency is back.
 */
export function registerHealthRoutes(server: FastifyInstance, checks: HealthChecks): void {
  const probe = async () => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, { status: 'ok' }] as const;
        } catch (error) {
          return [name, { status: 'down', error: (error as Error).message }] as const;
        }
      }),
    );
    const healthy = results.every(([, result]) => result.status === 'ok');
    return { healthy, body: { status: healthy ? 'ok' : 'degraded', checks: Object.fromEntries(results) } };
  };
  server.get('/healthz', async (_request, reply) => reply.code(200).send((await probe()).body));
  server.get('/readyz', async (_request, reply) => {
    const { healthy, body } = await probe();
    if (!healthy) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply.code(healthy ? 200 : 503).send(body);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
