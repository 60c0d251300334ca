import { heartbeat } from '@temporalio/activity';
import type { RetentionResult, SweepResult } from '../workflows/shared.js';
import { createDrainParkedPage } from './drain-parked.js';
import { createFirstAttempts } from './first-attempts.js';
import { createMarkDeliveryFailed } from './mark-delivery-failed.js';
import { createReconcileDeliveries, type ReconcileDeps } from './reconcile-deliveries.js';
import { createRecoveryActivities } from './recovery.js';
import type { AttemptDeps } from '../server/delivery/run-attempts.js';
import { createSignAndPost } from './sign-and-post.js';

export type ActivityDeps = AttemptDeps &
  ReconcileDeps & {
    /** The endpoint sweep (a service: it audits and publishes notices), built where the worker is wired. */
    sweepEndpoints: () => Promise<SweepResult>;
    /** The retention cleanup, a service too, likewise built where the worker is wired; it calls `onBatch` after each batch. */
    applyRetention: (onBatch: () => void) => Promise<RetentionResult>;
  };

/** Every activity the worker registers, built from the dependencies the worker wires once. */
export function createActivities(deps: ActivityDeps) {
  return {
    firstAttempts: createFirstAttempts(deps),
    signAndPost: createSignAndPost(deps),
    markDeliveryFailed: createMarkDeliveryFailed(deps),
    reconcileDeliveries: createReconcileDeliveries(deps),
    sweepEndpoints: () => deps.sweepEndpoints(),
    applyRetention: () => deps.applyRetention(() => heartbeat()),
    drainParkedPage: createDrainParkedPage(deps),
    ...createRecoveryActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
