import { deliverWithRetries } from './deliver-with-retries.js';
import type { ResumeDeliveryInput } from './shared.js';

/**
 * A pending delivery that no workflow was working on any more, handed to this one by the reconciler: its
 * schedule goes on from the attempts already made, starting now (it is overdue).
 */
export async function resumeDelivery(input: ResumeDeliveryInput): Promise<{ succeeded: boolean }> {
  const ended = await deliverWithRetries({
    scope: input.scope,
    eventId: input.eventId,
    deliveryId: input.deliveryId,
    owner: input.owner,
    policy: input.policy,
    seriesStart: input.seriesStart,
    attemptsBefore: input.attemptsBefore,
    waitMs: input.waitMs ?? 0,
    trigger: input.seriesStart > 0 ? 'manual' : 'scheduled',
  });
  return { succeeded: ended === 'succeeded' };
}
