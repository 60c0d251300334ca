import type { Db } from '../server/db/database.js';
import { createFirstAttempts } from './first-attempts.js';
import type { DeliveryHttpClient } from './http/delivery-http-client.js';
import { createMarkDeliveryFailed } from './mark-delivery-failed.js';
import { createRecoveryActivities } from './recovery.js';
import { createSignAndPost } from './sign-and-post.js';

export interface ActivityDeps {
  db: Db;
  http: DeliveryHttpClient;
  userAgent: string;
}

/** Every activity the worker registers, built from the dependencies the worker wires once. */
export function createActivities(deps: ActivityDeps) {
  return {
    firstAttempts: createFirstAttempts(deps),
    signAndPost: createSignAndPost(deps),
    markDeliveryFailed: createMarkDeliveryFailed(deps),
    ...createRecoveryActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
