import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context } from '../api/context.js';
import { inputIssues } from '../api/error-format.js';
import { appRouter } from '../api/routers/index.js';
import { createCallerFactory } from '../api/trpc.js';
import { errorBody } from './error-body.js';

/** Comment lines while idle, so that proxies keep the connection open. */
const PING_INTERVAL_MS = 15_000;

const createCaller = createCallerFactory(appRouter);

/**
 * `GET /v1/deliveries/tail`: the attempt stream (`deliveries.tail`) as plain server-sent events, for curl and any
 * EventSource: one `message` event per attempt, its `id` the position to resume at. A reconnecting EventSource sends
 * it back as `Last-Event-ID` (or pass `?lastEventId=`). trpc-to-openapi serves no subscriptions, so this route
 * calls the procedure itself, through the same middlewares (key, permission, input checks); failures before the
 * stream starts answer in Herald's one error shape with their status, a failure after it ends the stream with an
 * `error` event carrying that shape.
 */
export function registerAttemptStreamRoute(
  server: FastifyInstance,
  createContext: (options: { req: FastifyRequest }) => Context,
): void {
  server.get('/v1/deliveries/tail', async (request, reply) => {
    const stop = new AbortController();
    reply.raw.on('close', () => stop.abort());
    const query = (request.query ?? {}) as Record<string, unknown>;
    const header = request.headers['last-event-id'];
    const lastEventId = (Array.isArray(header) ? header[0] : header) || query.lastEventId;
    let stream: AsyncIterable<unknown>;
    try {
      const caller = createCaller(createContext({ req: request }), { signal: stop.signal });
      stream = await caller.deliveries.tail({ ...query, ...(lastEventId ? { lastEventId } : {}) } as never);
    } catch (error) {
      const failure = asTrpcError(error);
      return reply.code(getHTTPStatusCodeFromError(failure)).send(restError(failure, request));
    }

    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Reconnect after a second rather than the EventSource default of three.
    response.write('retry: 1000\n\n');
    const ping = setInterval(() => response.write(': ping\n\n'), PING_INTERVAL_MS);
    try {
      for await (const item of stream) {
        const [id, data] = item as [string, unknown];
        response.write(`id: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
      }
    } catch (error) {
      if (!stop.signal.aborted)
        response.write(`event: error\ndata: ${JSON.stringify(restError(asTrpcError(error), request))}\n\n`);
    } finally {
      clearInterval(ping);
      response.end();
    }
  });
}

function asTrpcError(error: unknown): TRPCError {
  return error instanceof TRPCError ? error : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error });
}

function restError(error: TRPCError, request: FastifyRequest) {
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    request.log.error({ err: error.cause ?? error, requestId: request.id }, 'attempt stream failed');
    return errorBody(error.code, `Internal error; the server log has the details under request id ${request.id}`);
  }
  const issues = inputIssues(error.cause);
  const message = issues
    ? `Invalid input: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ')}`
    : error.message;
  return errorBody(error.code, message, issues);
}
