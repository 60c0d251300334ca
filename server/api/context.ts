import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { FastifyBaseLogger } from 'fastify';
import type { TargetPolicy } from '../../activities/http/target-policy.js';
import type { Db } from '../db/database.js';
import type { FanOutStarter } from '../temporal/fan-out-starter.js';

/** What every procedure can use, built once at start-up. */
export interface ApiServices {
  db: Db;
  fanOut: FanOutStarter;
  targetPolicy: TargetPolicy;
}

export function createContextFactory(services: ApiServices) {
  return ({ req }: CreateFastifyContextOptions) => ({ ...services, requestId: req.id, log: req.log as FastifyBaseLogger });
}

export type Context = ReturnType<ReturnType<typeof createContextFactory>>;
