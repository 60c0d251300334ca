import type { FastifyInstance } from 'fastify';
import { RETRY_AFTER_SECONDS } from '../dependency-errors.js';

/** Named dependency probes; each resolves when its dependency answers. */
export type HealthChecks = Record<string, () => Promise<unknown>>;

/** All checks run at once, so /healthz answers within this, whichever dependency is down. */
const CHECK_TIMEOUT_MS = 800;

/** GET /healthz: 200 when Postgres and Temporal answer, else 503 naming what is down. */
export function registerHealthRoute(server: FastifyInstance, checks: HealthChecks): void {
  server.get('/healthz', async (_request, reply) => {
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
    if (!healthy) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply
      .code(healthy ? 200 : 503)
      .send({ status: healthy ? 'ok' : 'degraded', checks: Object.fromEntries(results) });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
