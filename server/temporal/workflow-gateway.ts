import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { fanOutEvent } from '../../workflows/fan-out-event.js';
import { progressQuery, type recoverWebhook } from '../../workflows/recover-webhook.js';
import type { retryDelivery, RetryDeliveryInput } from '../../workflows/retry-delivery.js';
import {
  type DeliveryBatch,
  type DeliveryPolicy,
  fanOutWorkflowId,
  type RecoveryProgress,
  type RecoverWebhookInput,
  retryWorkflowId,
  type Scope,
  searchAttributes,
} from '../../workflows/shared.js';

export type RecoveryState = 'running' | 'completed' | 'cancelled' | 'failed';

export interface RecoveryStatus {
  id: string;
  webhookId: string;
  since: string;
  state: RecoveryState;
  progress: RecoveryProgress;
}

/** Everything the API asks of Temporal, in one place: which workflows start, with which ids and options. */
export interface WorkflowGateway {
  /** The event's fan-out; starting it again for the same event is a no-op. */
  startFanOut(scope: Scope, event: { id: string; type: string; batches: DeliveryBatch[] }): Promise<void>;
  startRetry(input: Omit<RetryDeliveryInput, 'policy'>): Promise<string>;
  startRecovery(recoveryId: string, input: Omit<RecoverWebhookInput, 'policy' | 'progress'>): Promise<void>;
  /** Undefined when no recovery with this id exists in the scope. */
  recoveryStatus(scope: Scope, recoveryId: string): Promise<RecoveryStatus | undefined>;
  cancelRecovery(recoveryId: string): Promise<void>;
}

export function createWorkflowGateway(args: { client: Client; taskQueue: string; policy: DeliveryPolicy; eagerStart: boolean }): WorkflowGateway {
  const { client, taskQueue, policy } = args;
  const scopeAttributes = (scope: Scope) => [{ key: searchAttributes.workspaceId, value: scope.workspaceId }];
  return {
    async startFanOut(scope, event) {
      const deliveries = event.batches.reduce((sum, batch) => sum + batch.count, 0);
      await client.workflow.start<typeof fanOutEvent>('fanOutEvent', {
        taskQueue,
        workflowId: fanOutWorkflowId(scope, event.id),
        args: [{ scope, eventId: event.id, policy, batches: event.batches }],
        // A second start for a running fan-out joins it. Postgres, not Temporal, decides whether an event is new
        // (Temporal forgets closed ids after the namespace's retention), so a closed run never blocks a new one.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        // With the worker in this process, the first workflow task comes back in the start response.
        requestEagerStart: args.eagerStart,
        typedSearchAttributes: [
          ...scopeAttributes(scope),
          { key: searchAttributes.eventType, value: event.type },
          { key: searchAttributes.eventId, value: event.id },
        ],
        staticSummary: `${event.type} → ${deliveries} webhook${deliveries === 1 ? '' : 's'}`,
      });
    },

    async startRetry(input) {
      const workflowId = retryWorkflowId(input.deliveryId, input.attemptsBefore);
      await client.workflow.start<typeof retryDelivery>('retryDelivery', {
        taskQueue,
        workflowId,
        args: [{ ...input, policy }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [...scopeAttributes(input.scope), { key: searchAttributes.eventId, value: input.eventId }],
        staticSummary: `manual retry of ${input.deliveryId}`,
      });
      return workflowId;
    },

    async startRecovery(recoveryId, input) {
      await client.workflow.start<typeof recoverWebhook>('recoverWebhook', {
        taskQueue,
        workflowId: recoveryId,
        // One attempt per delivery: a recovery redelivers, it does not start new retry schedules.
        args: [{ ...input, policy: { ...policy, retryScheduleMs: [0] } }],
        memo: { workspaceId: input.scope.workspaceId, mode: input.scope.mode, webhookId: input.webhookId, since: input.since },
        typedSearchAttributes: scopeAttributes(input.scope),
        staticSummary: `recover ${input.webhookId} since ${input.since}`,
      });
    },

    async recoveryStatus(scope, recoveryId) {
      const handle = client.workflow.getHandle<typeof recoverWebhook>(recoveryId);
      let description;
      try {
        description = await handle.describe();
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
      const memo = (description.memo ?? {}) as { workspaceId?: string; mode?: string; webhookId?: string; since?: string };
      if (description.type !== 'recoverWebhook' || memo.workspaceId !== scope.workspaceId || memo.mode !== scope.mode) return undefined;
      const states: Record<string, RecoveryState> = { RUNNING: 'running', COMPLETED: 'completed', CANCELLED: 'cancelled', CONTINUED_AS_NEW: 'running' };
      const state = states[description.status.name] ?? 'failed';
      const progress = state === 'completed' ? await handle.result() : await handle.query(progressQuery);
      return { id: recoveryId, webhookId: memo.webhookId ?? '', since: memo.since ?? '', state, progress };
    },

    async cancelRecovery(recoveryId) {
      await client.workflow.getHandle(recoveryId).cancel();
    },
  };
}
