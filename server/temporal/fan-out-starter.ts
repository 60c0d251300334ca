import type { Client } from '@temporalio/client';
import type { fanOutEvent } from '../../workflows/fan-out-event.js';
import { type DeliveryPolicy, fanOutWorkflowId, searchAttributes } from '../../workflows/shared.js';

export interface FanOutStarter {
  /** Starts the event's fan-out workflow; starting it again for the same event is a no-op. */
  start(event: { id: string; type: string; deliveryCount: number }): Promise<void>;
}

export function createFanOutStarter(args: { client: Client; taskQueue: string; policy: DeliveryPolicy }): FanOutStarter {
  const { client, taskQueue, policy } = args;
  return {
    async start(event) {
      await client.workflow.start<typeof fanOutEvent>('fanOutEvent', {
        taskQueue,
        workflowId: fanOutWorkflowId(event.id),
        args: [{ eventId: event.id, policy }],
        // A second start for a running fan-out joins it; a finished one is not run again unless it failed.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        typedSearchAttributes: [
          { key: searchAttributes.eventType, value: event.type },
          { key: searchAttributes.eventId, value: event.id },
        ],
        staticSummary: `${event.type} → ${event.deliveryCount} webhook${event.deliveryCount === 1 ? '' : 's'}`,
      });
    },
  };
}
