import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import { ulid } from 'ulid';
import { createContextFactory, type ApiServices } from '../api/context.js';
import { appRouter, type AppRouter } from '../api/routers/index.js';
import type { Logger } from '../logger.js';
import { registerHealthRoute, type HealthChecks } from './health.js';

export interface ServerOptions {
  host: string;
  port: number;
  bodyLimitBytes: number;
  services: ApiServices;
  health: HealthChecks;
  logger: Logger;
}

export interface HeraldServer {
  /** Listens and resolves to the base URL, such as http://127.0.0.1:3000. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** The HTTP API: tRPC under /trpc and the health check. Tests and the entry points boot it the same way. */
export function createServer(options: ServerOptions): HeraldServer {
  const server = Fastify({
    // pino's Logger is a FastifyBaseLogger at runtime; the two type packages only disagree on optional fields.
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    // Per-request logs would dominate the hot path; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    genReqId: () => `req_${ulid()}`,
    requestIdHeader: false,
    routerOptions: { maxParamLength: 5_000 },
  });

  void server.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: createContextFactory(options.services),
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });
  registerHealthRoute(server, options.health);

  return {
    async start() {
      await server.listen({ host: options.host, port: options.port });
      const address = server.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${host}:${address.port}`;
    },
    stop: () => server.close(),
  };
}
