import type { TurnHolder } from '../db/queries/delivery-order.js';
import type { WorkflowGateway } from '../temporal/workflow-gateway-contract.js';

/**
 * Wakes the workflows of deliveries whose turn came (their ordering key's previous delivery settled). Each is told
 * once per call, all at once; a failure is thrown, so the caller (an activity, the skip endpoint) is retried or
 * answers 503, and the reconciler tells any turn still untaken after its grace period.
 */
export async function tellTurns(workflows: Pick<WorkflowGateway, 'signalTurn'>, holders: TurnHolder[]): Promise<void> {
  const unique = new Map(holders.map((h) => [h.deliveryId, h]));
  await Promise.all([...unique.values()].map((h) => workflows.signalTurn(h.workflowId, h.deliveryId)));
}
