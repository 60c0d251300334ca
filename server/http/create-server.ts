import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import secureJson from 'secure-json-parse';
import Fastify, { type FastifyBaseLogger, type FastifyError, LogController } from 'fastify';
import { fastifyTRPCOpenApiPlugin } from 'trpc-to-openapi';
import { createContextFactory, type ApiServices } from '../api/context.js';
import { createPortalContextFactory } from '../api/portal-trpc.js';
import { appRouter, type AppRouter } from '../api/routers/index.js';
import { portalAppRouter, type PortalRouter } from '../api/routers/portal/index.js';
import { RETRY_AFTER_SECONDS } from '../dependency-errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { registerAttemptStreamRoute } from './attempt-stream-route.js';
import type { Tracing } from '../tracing/tracing.js';
import { errorBody, restErrorBody } from './error-body.js';
import { registerHealthRoutes, type HealthChecks } from './health.js';
import { buildOpenApiDocument, REST_BASE_PATH, withServerUrl } from './openapi-document.js';
import { registerPortalPages } from './portal-pages.js';
import { publicBaseUrl } from './public-url.js';
import { portalSessionOf, registerPortalSessionRoute } from './portal-session.js';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id.js';
import { created, createdWithoutLocation, locationOf, noContent } from './rest-responses.js';

export interface ServerOptions {
  host: string;
  port: number;
  bodyLimitBytes: number;
  /**
   * The URL clients reach Herald at (HERALD_PUBLIC_URL), for the OpenAPI document's server and the `Location` of
   * REST creations; without it, both come from each request's Host or X-Forwarded-* headers.
   */
  publicUrl?: string | undefined;
  services: ApiServices;
  health: HealthChecks;
  /** The built portal page (dist/portal-ui by default). */
  portalAssetsDir?: string | undefined;
  logger: Logger;
  metrics: Metrics;
  /** A span per request, when tracing is on. */
  tracing?: Tracing | undefined;
}

export interface HeraldServer {
  /** Listens and resolves to the base URL, such as http://127.0.0.1:3000. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The HTTP API: tRPC under /trpc, the same procedures as REST under /v1 with their OpenAPI document and a
 * reference page, and the health check. Tests and the entry points boot it the same way.
 */
export function createServer(options: ServerOptions): HeraldServer {
  const server = Fastify({
    // pino's Logger is a FastifyBaseLogger at runtime; the two type packages only disagree on optional fields.
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    // Per-request logs would dominate the hot path; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    genReqId: requestIdFor,
    // genReqId reads X-Request-Id itself, refusing ids that are not sane.
    requestIdHeader: false,
    routerOptions: { maxParamLength: 5_000 },
  });
  // First, so that every route registered after it gets a span.
  if (options.tracing) void server.register(options.tracing.fastifyPlugin);
  let baseUrl = '';
  const baseUrlOf = (headers: IncomingHttpHeaders) => publicBaseUrl(options.publicUrl, headers, baseUrl);
  // Aborted as the server begins to stop, which ends every open attempt stream: otherwise close() would wait for
  // clients that never hang up.
  const closing = new AbortController();
  server.addHook('preClose', async () => closing.abort());
  const createContext = createContextFactory(options.services, baseUrlOf, closing.signal);
  // Many HTTP clients send `Content-Type: application/json` with an empty body on DELETE and on bodiless actions;
  // an empty body means "no input", not malformed JSON. Anything else is parsed refusing prototype poisoning, as
  // Fastify does, but saying which of the two a refused body was.
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(body as string, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      done(jsonBodyError(error as Error), undefined);
    }
  });

  // Errors raised before any procedure runs: unreadable JSON, a wrong content type, an oversized body.
  server.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error, requestId: request.id }, 'request failed');
      return reply
        .code(500)
        .send(
          errorBody(
            'INTERNAL_SERVER_ERROR',
            `Internal error; the server log has the details under request id ${request.id}`,
          ),
        );
    }
    const code =
      { 400: 'BAD_REQUEST', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' }[status] ?? 'BAD_REQUEST';
    const message =
      status === 413
        ? `Request body is larger than ${options.bodyLimitBytes} bytes (HERALD_BODY_LIMIT_BYTES)`
        : status === 415
          ? 'Send JSON with Content-Type: application/json'
          : `Malformed request: ${error.message}`;
    return reply.code(status).send(errorBody(code, message));
  });
  // Every 503 (a dependency down) tells the caller when to try again, on /trpc and /v1 alike; every answer names
  // the request, so a caller can find its lines in Herald's logs.
  server.addHook('onSend', async (request, reply, payload) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (reply.statusCode === 503 && !reply.hasHeader('retry-after'))
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return payload;
  });
  server.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody(
          'NOT_FOUND',
          `No route ${request.method} ${request.url.split('?')[0]}; the API is described at /openapi.json`,
        ),
      ),
  );

  // Cookies are the portal's (its session); the API itself never reads one.
  void server.register(fastifyCookie);
  void server.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: { router: appRouter, createContext } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });

  // The endpoint owners' portal: its one-time links, and its own tRPC endpoint, known by the session cookie alone.
  registerPortalSessionRoute(server, options.services);
  void server.register(fastifyTRPCPlugin, {
    prefix: '/portal/trpc',
    trpcOptions: {
      router: portalAppRouter,
      createContext: createPortalContextFactory(options.services, baseUrlOf),
    } satisfies FastifyTRPCPluginOptions<PortalRouter>['trpcOptions'],
  });

  registerAttemptStreamRoute(server, createContext);

  void server.register(async (rest) => {
    // `curl -X POST …/webhooks/{id}/test` with no body is a common way to call an action; it means "no input".
    rest.addHook('preHandler', async (request) => {
      if (request.body === undefined) {
        request.headers['content-type'] = 'application/json';
        request.body = {};
      }
    });
    rest.addHook('onSend', async (_request, reply, payload) =>
      reply.statusCode >= 400 && typeof payload === 'string' ? restErrorBody(payload) : payload,
    );
    await rest.register(fastifyTRPCOpenApiPlugin, {
      basePath: '/v1',
      router: appRouter,
      createContext: createContext as never,
      responseMeta: ({
        paths,
        errors,
        data,
      }: {
        paths?: readonly string[] | undefined;
        errors: readonly unknown[];
        data: readonly unknown[];
      }) => {
        if (errors.length > 0 || paths?.length !== 1) return {};
        if (noContent.has(paths[0]!)) return { status: 204 };
        if (createdWithoutLocation.has(paths[0]!)) return { status: 201 };
        const creation = created[paths[0]!];
        if (!creation) return {};
        // Relative unless a public URL is configured: the client already knows where it sent the request.
        const base = options.publicUrl?.replace(/\/+$/, '') ?? '';
        const location = `${base}${REST_BASE_PATH}${locationOf(creation.path, data[0] as Record<string, unknown>)}`;
        return { status: 201, headers: { location } };
      },
    });
  });

  // Built once; each request gets it with the server URL it reached Herald at.
  const document = buildOpenApiDocument('');
  const documentFor = (headers: IncomingHttpHeaders) => withServerUrl(document, baseUrlOf(headers));
  server.get('/openapi.json', async (request) => documentFor(request.headers));
  void server.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  void server.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    // The reference page reads the same document as /openapi.json, with the same server URL.
    transformSpecification: (_specification, request) => documentFor(request.headers),
    transformSpecificationClone: false,
  });
  registerHealthRoutes(server, options.health);
  // The endpoint owner's portal page; its session exchange and procedures are under /portal too.
  void server.register(async (portal) =>
    registerPortalPages(portal, {
      assetsDir: options.portalAssetsDir,
      frameAncestors: async (request) =>
        (await portalSessionOf(options.services, request))?.settings.frameAncestors ?? [],
    }),
  );
  server.get('/metrics', async (_request, reply) =>
    reply.header('content-type', options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );

  return {
    async start() {
      await server.listen({ host: options.host, port: options.port });
      const address = server.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      baseUrl = `http://${host}:${address.port}`;
      return baseUrl;
    },
    stop: () => server.close(),
  };
}

/** A 400 for a body that is not JSON, or that carries a prototype-poisoning key, saying which. */
function jsonBodyError(error: Error): FastifyError {
  const poisoned = /forbidden prototype property/.test(error.message);
  return Object.assign(
    new Error(
      poisoned
        ? 'the body has a key named __proto__ (or constructor.prototype), which Herald refuses at any depth because it is the shape of a prototype-pollution attack; rename the key'
        : `the body is not valid JSON (${error.message})`,
    ),
    { statusCode: 400, code: poisoned ? 'HERALD_PROTOTYPE_KEY' : 'HERALD_INVALID_JSON' },
  ) as FastifyError;
}
