import { initTRPC, TRPCError } from '@trpc/server';
import type { RouteMeta } from './route-meta.js';
import { hashApiKey } from '../auth/api-key-format.js';
import type { Permission } from '../db/scope.js';
import type { Principal } from '../auth/permissions.js';
import { unavailableDependency, unavailableMessage } from '../dependency-errors.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { findUsableKey } from '../db/queries/api-keys.js';
import type { Context } from './context.js';
import { formatError } from './error-format.js';
import { type FieldChecks, schemaIssues, withFieldIssues } from './field-checks.js';

const t = initTRPC
  .context<Context>()
  .meta<RouteMeta>()
  .create({
    // Never send stack traces, whatever NODE_ENV says.
    isDev: false,
    errorFormatter: (opts) => formatError(opts),
  });

/**
 * Herald's error classes as tRPC codes, or undefined for an error that is not one of them. The main API and the
 * portal map errors through this alone.
 */
export function domainError(
  cause: unknown,
  ctx: { requestId: string; log: { error: (details: object, message: string) => void } },
): TRPCError | undefined {
  const dependency = unavailableDependency(cause);
  if (dependency) {
    ctx.log.error(
      { requestId: ctx.requestId, dependency, err: cause },
      `${dependency} unavailable: request failed with 503`,
    );
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: unavailableMessage(dependency), cause });
  }
  if (cause instanceof NotFoundError) return new TRPCError({ code: 'NOT_FOUND', message: cause.message, cause });
  if (cause instanceof ConflictError) return new TRPCError({ code: 'CONFLICT', message: cause.message, cause });
  if (cause instanceof InvalidInputError) return new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
  return undefined;
}

/** Herald's error classes become tRPC codes here, once, for every procedure. */
const mapDomainErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (result.ok) return result;
  const mapped = domainError(result.error.cause, ctx);
  if (mapped) throw mapped;
  return result;
});

/** Who is calling: the API key from `X-API-Key` or `Authorization: Bearer`, checked against its hash. */
const authenticate = t.middleware(async ({ ctx, next }) => {
  if (!ctx.apiKey) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Missing API key: send it in the X-API-Key header, or as Authorization: Bearer <key>.',
    });
  }
  const key = await findUsableKey(ctx.db, hashApiKey(ctx.apiKey));
  if (!key)
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'This API key is not valid, or it has been revoked.' });
  const principal: Principal = {
    keyId: key.id,
    workspaceId: key.workspace_id,
    mode: key.mode,
    permissions: new Set(key.permissions),
  };
  return next({ ctx: { principal, actor: { principal, requestId: ctx.requestId } } });
});

/**
 * The base of every procedure: authenticated, and allowed only with `permission`. A key without it gets a 403
 * that names what it lacks.
 *
 * `checks` are the procedure's checks that need the server (the endpoint policy, the workspace's catalog). Its
 * service runs them once the input passes its schema; when the schema refuses the input, they run here as well, on
 * the fields the schema accepted, so that one answer names every invalid field rather than the first few.
 */
export function protectedProcedure(permission: Permission, checks?: FieldChecks) {
  return t.procedure
    .use(mapDomainErrors)
    .use(authenticate)
    .use(({ ctx, next }) => {
      if (!ctx.principal.permissions.has(permission)) {
        throw new TRPCError({ code: 'FORBIDDEN', message: `This API key lacks the ${permission} permission.` });
      }
      return next();
    })
    .use(async ({ ctx, next, getRawInput }) => {
      const result = await next();
      if (result.ok || !checks || result.error.code !== 'BAD_REQUEST') return result;
      const refused = schemaIssues(result.error.cause);
      if (!refused) return result;
      const combined = await withFieldIssues(checks, ctx, await getRawInput(), refused);
      if (!combined) return result;
      throw new TRPCError({ code: 'BAD_REQUEST', message: combined.message, cause: combined });
    });
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
