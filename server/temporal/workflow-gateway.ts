import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { deliveryReconciler } from '../../workflows/delivery-reconciler.js';
import type { drainWebhook } from '../../workflows/drain-webhook.js';
import { newUlid } from '../db/ids.js';
import type { fanOutEvent } from '../../workflows/fan-out-event.js';
import { deliveryTurnSignal, progressQuery } from '../../workflows/shared.js';
import type { recoverWebhook } from '../../workflows/recover-webhook.js';
import type { resumeDelivery } from '../../workflows/resume-delivery.js';
import type { retryDelivery } from '../../workflows/retry-delivery.js';
import type { RetryDeliveryInput } from '../../workflows/shared.js';
import {
  drainWorkflowId,
  fanOutWorkflowId,
  MAX_LISTED_WEBHOOKS,
  reconcilerWorkflowId,
  type ResumeDeliveryInput,
  searchAttributes,
} from '../../workflows/shared.js';
import type { DeliveryPolicy } from '../delivery/policy.js';
import type { Scope } from '../db/scope.js';
import type { RecoveryState, WorkflowGateway } from './workflow-gateway-contract.js';

const CALL_DEADLINE_MS = 10_000;

export type { RecoveryState, RecoveryStatus, WorkflowGateway } from './workflow-gateway-contract.js';

export function createWorkflowGateway(args: {
  client: Client;
  taskQueue: string;
  policy: DeliveryPolicy;
  eagerStart: boolean;
  /** Parked deliveries sent per second when a webhook comes back. */
  drainPerSecond?: number;
}): WorkflowGateway {
  const { client, taskQueue, policy } = args;
  // While Temporal is down the SDK keeps retrying; a caller gets a 503 within this instead of waiting it out.
  const bounded = <T>(call: () => Promise<T>) => client.withDeadline(Date.now() + CALL_DEADLINE_MS, call);
  const scopeAttributes = (scope: Scope) => [{ key: searchAttributes.workspaceId, value: scope.workspaceId }];
  // "All failed deliveries of webhook X" is one query on these and HeraldOutcome. A value is limited in size, so a
  // wide fan-out does not list its webhooks (the delivery log does).
  const webhookAttribute = (ids: string[]) =>
    ids.length > 0 && ids.length <= MAX_LISTED_WEBHOOKS ? [{ key: searchAttributes.webhookIds, value: ids }] : [];
  return {
    fanOutWorkflowId,

    async startFanOut(scope, event) {
      const deliveries = event.batches.reduce((sum, batch) => sum + batch.count, 0);
      // A scheduled send: Temporal holds the first workflow task back until its time. The execution exists (and is
      // running) from now on, so nothing polls for due events and a restart of any process loses nothing.
      const delayMs = event.deliverAt ? Math.max(1, event.deliverAt.getTime() - Date.now()) : undefined;
      await bounded(() =>
        client.workflow.start<typeof fanOutEvent>('fanOutEvent', {
          taskQueue,
          workflowId: event.workflowId,
          args: [
            {
              scope,
              eventId: event.id,
              policy,
              batches: event.batches,
              owner: event.workflowId,
              ...(event.requestId ? { requestId: event.requestId } : {}),
              ...(delayMs !== undefined ? { scheduled: true as const } : {}),
            },
          ],
          // The id is unique to one publishing transaction; a start the SDK repeats after a lost answer joins the
          // workflow it already started.
          workflowIdConflictPolicy: 'USE_EXISTING',
          ...(delayMs !== undefined ? { startDelay: delayMs } : {}),
          // With the worker in this process, the first workflow task comes back in the start response (not for a
          // delayed start: there is no task to run yet).
          requestEagerStart: args.eagerStart && delayMs === undefined,
          typedSearchAttributes: [
            ...scopeAttributes(scope),
            { key: searchAttributes.eventType, value: event.type },
            { key: searchAttributes.eventId, value: event.id },
            ...webhookAttribute(event.webhookIds),
          ],
          staticSummary: `${event.type} → ${deliveries} webhook${deliveries === 1 ? '' : 's'}${
            event.deliverAt ? `, scheduled for ${event.deliverAt.toISOString()}` : ''
          }`,
        }),
      );
    },

    async terminateFanOut(workflowId, reason) {
      try {
        await bounded(() => client.workflow.getHandle(workflowId).terminate(reason));
      } catch (error) {
        // Already ended (it found its deliveries cancelled), or never started: nothing is left to stop.
        if (error instanceof WorkflowNotFoundError) return;
        throw error;
      }
    },

    async signalTurn(workflowId, deliveryId) {
      try {
        await bounded(() => client.workflow.getHandle(workflowId).signal(deliveryTurnSignal, deliveryId));
      } catch (error) {
        // Ended or never started: nothing waits there (the reconciler hands a pending delivery nobody works on to a
        // new workflow).
        if (error instanceof WorkflowNotFoundError) return;
        throw error;
      }
    },

    async startRetry(input) {
      await bounded(() =>
        client.workflow.start<typeof retryDelivery>('retryDelivery', {
          taskQueue,
          workflowId: input.owner,
          args: [retryInput(input, policy)],
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [
            ...scopeAttributes(input.scope),
            { key: searchAttributes.eventId, value: input.eventId },
            ...webhookAttribute([input.webhookId]),
          ],
          staticSummary: `manual retry of ${input.deliveryId}`,
        }),
      );
      return input.owner;
    },

    async startResume(input) {
      await bounded(() =>
        client.workflow.start<typeof resumeDelivery>('resumeDelivery', {
          taskQueue,
          workflowId: input.owner,
          args: [resumeInput(input, policy)],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          typedSearchAttributes: [
            ...scopeAttributes(input.scope),
            { key: searchAttributes.eventId, value: input.eventId },
            ...webhookAttribute([input.webhookId]),
          ],
          staticSummary: `resume ${input.deliveryId} after attempt ${input.attemptsBefore} (no workflow was working on it)`,
        }),
      );
    },

    async startDrain(scope, webhookId) {
      const workflowId = drainWorkflowId(webhookId, newUlid());
      const perSecond = args.drainPerSecond ?? 50;
      await bounded(() =>
        client.workflow.start<typeof drainWebhook>('drainWebhook', {
          taskQueue,
          workflowId,
          args: [{ scope, webhookId, policy, perSecond }],
          typedSearchAttributes: [...scopeAttributes(scope), ...webhookAttribute([webhookId])],
          staticSummary: `send ${webhookId}'s parked deliveries, at most ${perSecond} a second`,
        }),
      );
      return workflowId;
    },

    async workflowState(workflowId) {
      try {
        const { status } = await bounded(() => client.workflow.getHandle(workflowId).describe());
        return status.name === 'RUNNING' ? 'running' : 'closed';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return 'missing';
        throw error;
      }
    },

    async ensureReconciler() {
      await bounded(() =>
        client.workflow.start<typeof deliveryReconciler>('deliveryReconciler', {
          taskQueue,
          workflowId: reconcilerWorkflowId(taskQueue),
          args: [],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          staticSummary: 'finds pending deliveries that no workflow is working on and restarts them',
        }),
      );
    },

    async startRecovery(recoveryId, input) {
      await bounded(() =>
        client.workflow.start<typeof recoverWebhook>('recoverWebhook', {
          taskQueue,
          workflowId: recoveryId,
          // One attempt per delivery: a recovery redelivers, it does not start new retry schedules.
          args: [{ ...input, policy: { ...policy, retryScheduleMs: [0] } }],
          memo: {
            workspaceId: input.scope.workspaceId,
            mode: input.scope.mode,
            webhookId: input.webhookId,
            since: input.since,
          },
          typedSearchAttributes: scopeAttributes(input.scope),
          staticSummary: `recover ${input.webhookId} since ${input.since}`,
        }),
      );
    },

    async recoveryStatus(scope, recoveryId) {
      const handle = client.workflow.getHandle<typeof recoverWebhook>(recoveryId);
      let description;
      try {
        description = await bounded(() => handle.describe());
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
      const memo = (description.memo ?? {}) as {
        workspaceId?: string;
        mode?: string;
        webhookId?: string;
        since?: string;
      };
      if (description.type !== 'recoverWebhook' || memo.workspaceId !== scope.workspaceId || memo.mode !== scope.mode)
        return undefined;
      const states: Record<string, RecoveryState> = {
        RUNNING: 'running',
        COMPLETED: 'completed',
        CANCELLED: 'cancelled',
        CONTINUED_AS_NEW: 'running',
      };
      const state = states[description.status.name] ?? 'failed';
      const progress = state === 'completed' ? await handle.result() : await handle.query(progressQuery);
      return { id: recoveryId, webhookId: memo.webhookId ?? '', since: memo.since ?? '', state, progress };
    },

    async cancelRecovery(recoveryId) {
      await client.workflow.getHandle(recoveryId).cancel();
    },
  };
}

function retryInput(
  input: Omit<RetryDeliveryInput, 'policy'> & { webhookId?: string },
  policy: DeliveryPolicy,
): RetryDeliveryInput {
  const { webhookId: _webhookId, ...rest } = input;
  return { ...rest, policy };
}

function resumeInput(
  input: Omit<ResumeDeliveryInput, 'policy'> & { webhookId?: string },
  policy: DeliveryPolicy,
): ResumeDeliveryInput {
  const { webhookId: _webhookId, ...rest } = input;
  return { ...rest, policy };
}
