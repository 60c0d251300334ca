import { condition, getExternalWorkflowHandle, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { type DeliveryBatch, deliveryTurnSignal } from './shared.js';

/**
 * The turns a fan-out workflow is told of (`deliveryTurnSignal`), for deliveries that wait behind earlier events of
 * their ordering key. Postgres decides whose turn it is and passes it as each delivery settles; the signal only wakes
 * the workflow, so it holds no timer, polls nothing, and adds nothing to its history while it waits. The Temporal
 * UI's "current details" say which deliveries wait.
 */
export class DeliveryTurns {
  private readonly given = new Set<string>();
  private readonly waiting = new Set<string>();

  constructor() {
    setHandler(deliveryTurnSignal, (deliveryId) => {
      this.given.add(deliveryId);
    });
  }

  /** Resolves once the delivery's turn has come (told now, or before the workflow got here). */
  async waitFor(deliveryId: string): Promise<void> {
    this.waiting.add(deliveryId);
    this.show();
    await condition(() => this.given.has(deliveryId));
    this.waiting.delete(deliveryId);
    this.show();
  }

  private show(): void {
    const ids = [...this.waiting];
    setCurrentDetails(
      ids.length === 0
        ? ''
        : `waiting for an earlier event of the same ordering key: ${ids.length} ${ids.length === 1 ? 'delivery' : 'deliveries'} (${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''})`,
    );
  }
}

/**
 * A wide fan-out's deliveries belong to the root workflow, but its parts (child workflows) attempt them: the root
 * passes each turn on to the part whose batches hold the delivery. A part that has ended, or not started yet, misses
 * it; the reconciler tells the root again while the turn stays untaken.
 */
export function forwardTurns(parts: Array<{ workflowId: string; batches: DeliveryBatch[] }>): void {
  setHandler(deliveryTurnSignal, async (deliveryId) => {
    const part = parts.find((p) => p.batches.some((b) => b.fromId <= deliveryId && deliveryId <= b.toId));
    if (!part) return;
    try {
      await getExternalWorkflowHandle(part.workflowId).signal(deliveryTurnSignal, deliveryId);
    } catch {
      // Told again by the reconciler.
    }
  });
}
