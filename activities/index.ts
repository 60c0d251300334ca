import type { Db } from '../server/db/database.js';
import type { DeliveryHttpClient } from './http/delivery-http-client.js';
import { createMarkDeliveryFailed } from './mark-delivery-failed.js';
import { createResolveDeliveries } from './resolve-deliveries.js';
import { createSignAndPost } from './sign-and-post.js';

export interface ActivityDeps {
  db: Db;
  http: DeliveryHttpClient;
  userAgent: string;
}

/** Every activity the worker registers, built from the dependencies the worker wires once. */
export function createActivities(deps: ActivityDeps) {
  return {
    resolveDeliveries: createResolveDeliveries(deps),
    signAndPost: createSignAndPost(deps),
    markDeliveryFailed: createMarkDeliveryFailed(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
