import type { Scope } from '../db/scope.js';
import type {
  DeliveryBatch,
  RecoveryProgress,
  RecoverWebhookInput,
  ResumeDeliveryInput,
  RetryDeliveryInput,
} from '../../workflows/shared.js';

// What the rest of Herald may ask of Temporal, apart from how it is done (workflow-gateway.ts, which names the
// workflow modules). Activities are handed a gateway and know it by this contract alone, so no import runs from
// them back through the workflows that import them.

export type RecoveryState = 'running' | 'completed' | 'cancelled' | 'failed';

export interface RecoveryStatus {
  id: string;
  webhookId: string;
  since: string;
  state: RecoveryState;
  progress: RecoveryProgress;
}

/** Everything Herald asks of Temporal, in one place: which workflows start, with which ids and options. */
export interface WorkflowGateway {
  /** The workflow id a publication's fan-out gets; its deliveries are stored as owned by it. */
  fanOutWorkflowId(scope: Scope, eventId: string, publicationId: string): string;
  /**
   * The event's fan-out for one publication; starting it again for the same publication is a no-op. With
   * `deliverAt` (a scheduled send), Temporal holds the start back until then: a start delay, nothing polls.
   */
  startFanOut(
    scope: Scope,
    event: {
      id: string;
      type: string;
      batches: DeliveryBatch[];
      workflowId: string;
      webhookIds: string[];
      /** The publishing API request, for the workflow's and its attempts' log lines. */
      requestId?: string | undefined;
      deliverAt?: Date | undefined;
    },
  ): Promise<void>;
  /** Ends a scheduled send's fan-out (its event was cancelled); one that already ended or never existed is fine. */
  terminateFanOut(workflowId: string, reason: string): Promise<void>;
  /**
   * Tells a workflow that a delivery it holds back for its ordering key may go now (its turn passed in Postgres).
   * Harmless if it was told before; a workflow that has ended is not an error.
   */
  signalTurn(workflowId: string, deliveryId: string): Promise<void>;
  /** A manual series for a delivery reopened as owned by `input.owner`, which is also the workflow's id. */
  startRetry(
    input: Omit<RetryDeliveryInput, 'policy' | 'owner'> & { owner: string; webhookId: string },
  ): Promise<string>;
  /** A delivery handed over by the reconciler, continued by a workflow whose id is `input.owner`. */
  startResume(input: Omit<ResumeDeliveryInput, 'policy'> & { webhookId: string }): Promise<void>;
  /** Whether a workflow is running, has closed, or is unknown (never started, or closed longer ago than retention). */
  workflowState(workflowId: string): Promise<'running' | 'closed' | 'missing'>;
  /** The task queue's reconciler, unless it already runs. */
  ensureReconciler(): Promise<void>;
  /** Sends a webhook's parked deliveries, oldest first, at a bounded rate (it was resumed or enabled). */
  startDrain(scope: Scope, webhookId: string): Promise<string>;
  startRecovery(recoveryId: string, input: Omit<RecoverWebhookInput, 'policy' | 'progress'>): Promise<void>;
  /** Undefined when no recovery with this id exists in the scope. */
  recoveryStatus(scope: Scope, recoveryId: string): Promise<RecoveryStatus | undefined>;
  cancelRecovery(recoveryId: string): Promise<void>;
}
