import type { IncomingHttpHeaders } from 'node:http';
import { initTRPC, TRPCError } from '@trpc/server';
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { FastifyBaseLogger } from 'fastify';
import type { Principal } from '../auth/permissions.js';
import type { Permission } from '../db/scope.js';
import { findPortalSession, type PortalSession } from '../services/portal-sessions.js';
import type { Actor } from '../services/actor.js';
import type { ApiServices } from './context.js';
import { formatError } from './error-format.js';
import { PORTAL_COOKIE } from './portal-cookie.js';
import { domainError } from './trpc.js';

/** The header every portal call carries: a page on another site cannot send it without a CORS preflight. */
export const PORTAL_CSRF_HEADER = 'x-herald-portal';

/**
 * The portal's context: the same services as the main API, and what the request says about its session. Never an
 * API key: the portal knows its caller only by the session cookie.
 */
export function createPortalContextFactory(services: ApiServices, baseUrlOf: (headers: IncomingHttpHeaders) => string) {
  return ({ req }: CreateFastifyContextOptions) => {
    const cookies = (req as { cookies?: Record<string, string | undefined> }).cookies ?? {};
    return {
      ...services,
      requestId: req.id,
      log: req.log as FastifyBaseLogger,
      sessionCookie: cookies[PORTAL_COOKIE],
      csrfHeader: req.headers[PORTAL_CSRF_HEADER],
      origin: req.headers.origin,
      ownOrigin: () => baseUrlOf(req.headers),
    };
  };
}

export type PortalContext = ReturnType<ReturnType<typeof createPortalContextFactory>>;

const t = initTRPC.context<PortalContext>().create({
  isDev: false,
  errorFormatter: (opts) => formatError(opts),
});

/** What a session may do, in the main API's words, so the services check and audit it as they do for keys. */
const sessionPermissions: Record<PortalSession['permissions'], Permission[]> = {
  manage: ['webhooks:read', 'webhooks:manage', 'deliveries:read', 'deliveries:retry'],
  read: ['webhooks:read', 'deliveries:read'],
};

function sameOrigin(origin: string, own: string): boolean {
  try {
    return new URL(origin).origin === new URL(own).origin;
  } catch {
    return false;
  }
}

/**
 * Every portal procedure: its errors mapped as the main API's; the CSRF header and, when the browser sends one, an
 * Origin of Herald's own (else 403); a live session (else 401); a read-only session may call no mutation (403).
 * The principal it builds carries the session's owner in its scope, so every query the services run is narrowed to
 * that owner's webhooks and their deliveries; the audit log names the actor `portal:<owner>`.
 */
export const portalProcedure = t.procedure
  .use(async ({ ctx, next }) => {
    const result = await next();
    if (result.ok) return result;
    const mapped = domainError(result.error.cause, ctx);
    if (mapped) throw mapped;
    return result;
  })
  .use(async ({ ctx, type, next }) => {
    if (ctx.csrfHeader !== '1')
      throw new TRPCError({ code: 'FORBIDDEN', message: `Send the header ${PORTAL_CSRF_HEADER}: 1 with every call.` });
    if (ctx.origin !== undefined && !sameOrigin(ctx.origin, ctx.ownOrigin()))
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Calls to the portal must come from its own pages.' });
    const session = await findPortalSession(ctx, ctx.sessionCookie);
    if (!session)
      throw new TRPCError({
        code: 'UNAUTHORIZED',
        message: 'No portal session, or it has ended: ask the app for a new portal link.',
      });
    if (type === 'mutation' && session.permissions !== 'manage')
      throw new TRPCError({ code: 'FORBIDDEN', message: 'This portal session may only look, not change anything.' });
    const principal: Principal = {
      keyId: `portal:${session.owner}`,
      workspaceId: session.workspaceId,
      mode: session.mode,
      owner: session.owner,
      permissions: new Set(sessionPermissions[session.permissions]),
    };
    const actor: Actor = { principal, requestId: ctx.requestId };
    return next({ ctx: { session, principal, actor } });
  });

export const portalRouter = t.router;
export const createPortalCallerFactory = t.createCallerFactory;
