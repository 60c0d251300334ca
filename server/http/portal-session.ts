import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PORTAL_COOKIE } from '../api/portal-cookie.js';
import type { Db } from '../db/database.js';
import { exchangePortalToken, findPortalSession, type PortalSession } from '../services/portal-sessions.js';

export type { PortalSession };

/**
 * The portal session of a request, from its cookie; undefined without a live one. For the portal's pages, whose
 * `frame-ancestors` depend on the session's workspace (`portalFrameAncestors`).
 */
export async function portalSessionOf(deps: { db: Db }, request: FastifyRequest): Promise<PortalSession | undefined> {
  return findPortalSession(deps, request.cookies[PORTAL_COOKIE]);
}

/** The `frame-ancestors` sources of a portal page: Herald itself, and the session's workspace's allowed origins. */
export function portalFrameAncestors(session: PortalSession | undefined): string {
  return ["'self'", ...(session?.settings.frameAncestors ?? [])].join(' ');
}

/** A page with no script and no style of its own, for a link that no longer opens anything. */
function refusalPage(reply: FastifyReply, status: 404 | 410): FastifyReply {
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Link no longer valid</title></head>
<body>
<h1>This link is no longer valid</h1>
<p>Portal links work once, for a short time. Ask the app that sent you here for a new one.</p>
</body>
</html>
`;
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; base-uri 'none'; form-action 'none'")
    .send(html);
}

/**
 * `GET /portal/session/:token`: spends a one-time portal link. A valid token becomes an HTTP-only session cookie
 * for `/portal` (Secure, SameSite=None and Partitioned, so it also works in an app's iframe), and the browser is
 * sent on to `/portal/` with `303`, which takes the token out of the address bar. A spent or expired link gets
 * `410`, an unknown one `404`: a small page saying to ask the app for a new link.
 */
export function registerPortalSessionRoute(server: FastifyInstance, deps: { db: Db }): void {
  server.get<{ Params: { token: string } }>('/portal/session/:token', async (request, reply) => {
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    const { token } = request.params;
    const exchange = token.length <= 200 ? await exchangePortalToken(deps, token) : { kind: 'unknown' as const };
    if (exchange.kind !== 'session') return refusalPage(reply, exchange.kind === 'spent' ? 410 : 404);
    const maxAge = Math.max(1, Math.floor((exchange.expiresAt.getTime() - Date.now()) / 1000));
    return reply
      .setCookie(PORTAL_COOKIE, exchange.cookieValue, {
        path: '/portal',
        httpOnly: true,
        secure: true,
        sameSite: 'none',
        partitioned: true,
        maxAge,
      })
      .code(303)
      .header('location', '/portal/')
      .send();
  });
}
