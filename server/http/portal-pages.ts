import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './error-body.js';
import { portalPaths } from './portal-assets.js';

export interface PortalPagesOptions {
  /** dist/portal-ui by default. */
  assetsDir?: string;
  /**
   * The origins allowed to embed the page of the session this request carries (its workspace's
   * `portal.frameAncestors`); none without a session.
   */
  frameAncestors(request: FastifyRequest): Promise<string[]>;
}

/** An origin as a CSP source: scheme, host (a leading `*.` allowed) and port; nothing that could end the directive. */
const originSource = /^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The page's policy: only its own files run, nothing inline, and only the workspace's origins may frame it. */
export function portalContentSecurityPolicy(frameAncestors: readonly string[]): string {
  const ancestors = ["'self'", ...frameAncestors.filter((origin) => originSource.test(origin))];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "connect-src 'self'",
    `frame-ancestors ${ancestors.join(' ')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

const commonHeaders = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/**
 * The endpoint owner's portal page under /portal/: its hashed assets (cached for good) and, for every page path,
 * index.html with the security headers. The session exchange and /portal/trpc are registered beside it.
 */
export async function registerPortalPages(server: FastifyInstance, options: PortalPagesOptions): Promise<void> {
  const assetsDir = options.assetsDir ?? portalPaths().assetsDir;
  let indexHtml: string | undefined;
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    indexHtml ??= await fs.readFile(path.join(assetsDir, 'index.html'), 'utf8').catch(() => undefined);
    reply.headers(commonHeaders);
    if (indexHtml === undefined) {
      return reply
        .code(503)
        .send(
          errorBody(
            'SERVICE_UNAVAILABLE',
            "The portal's page is not built: `herald start` builds it from a clone, and the Docker image ships it built",
          ),
        );
    }
    return (
      reply
        // Without the session's settings (its database unreachable), the page may still be framed by Herald alone.
        .header(
          'content-security-policy',
          portalContentSecurityPolicy(await options.frameAncestors(request).catch(() => [])),
        )
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(indexHtml)
    );
  };

  server.get('/portal', (_request, reply) => reply.redirect('/portal/', 308));
  server.get('/portal/', page);
  server.get('/portal/*', page);

  const assets = path.join(assetsDir, 'assets');
  if (existsSync(assets)) {
    await server.register(fastifyStatic, {
      root: assets,
      prefix: '/portal/assets/',
      // Every file name carries a hash of its content: a new build is new names.
      immutable: true,
      maxAge: '365d',
      preCompressed: true,
      index: false,
      decorateReply: false,
      setHeaders: (reply) => {
        reply.headers(commonHeaders);
      },
    });
  }
}
