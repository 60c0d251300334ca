import type { IncomingHttpHeaders } from 'node:http';
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { FastifyBaseLogger } from 'fastify';
import type { DeliveryHttpClient } from '../delivery/delivery-http-client.js';
import type { SecretBox } from '../delivery/secret-box.js';
import type { TargetPolicy } from '../delivery/target-policy.js';
import type { AttemptDeps } from '../delivery/run-attempts.js';
import type { DeliveryPolicy } from '../delivery/policy.js';
import type { Db } from '../db/database.js';
import type { WorkflowGateway } from '../temporal/workflow-gateway.js';

/** What every procedure can use, built once at start-up. */
export interface ApiServices {
  db: Db;
  workflows: WorkflowGateway;
  targetPolicy: TargetPolicy;
  /** For test sends, which the API makes itself, synchronously. */
  http: DeliveryHttpClient;
  /** Seals and opens webhook secrets and custom headers. */
  secrets: SecretBox;
  userAgent: string;
  deliveryPolicy: DeliveryPolicy;
  /** Logs and counts each test send's attempt, as the worker does its own. */
  observe?: AttemptDeps['observe'];
}

/**
 * `baseUrlOf` gives the URL a request reached Herald at (the public URL when one is configured), for links the API
 * hands out: a portal session's.
 */
export function createContextFactory(services: ApiServices, baseUrlOf: (headers: IncomingHttpHeaders) => string) {
  return ({ req }: CreateFastifyContextOptions) => ({
    ...services,
    requestId: req.id,
    log: req.log as FastifyBaseLogger,
    apiKey: presentedApiKey(req.headers),
    publicUrl: () => baseUrlOf(req.headers),
  });
}

export type Context = ReturnType<ReturnType<typeof createContextFactory>>;

/** The key from `X-API-Key`, or from `Authorization: Bearer <key>`. */
export function presentedApiKey(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct?.trim()) return direct.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}
