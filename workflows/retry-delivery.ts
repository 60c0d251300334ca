import { deliverWithRetries } from './deliver-with-retries.js';
import type { DeliveryPolicy, Scope } from './shared.js';

export interface RetryDeliveryInput {
  scope: Scope;
  eventId: string;
  deliveryId: string;
  policy: DeliveryPolicy;
  /** Attempts the delivery had when the retry was asked for; the new series numbers on from there. */
  attemptsBefore: number;
  /** This workflow's id, which the delivery was given to when it was reopened; absent in older retries. */
  owner?: string;
}

/** `deliveries.retry`: a new, manual series of attempts for one failed delivery, on the usual schedule. */
export async function retryDelivery(input: RetryDeliveryInput): Promise<{ succeeded: boolean }> {
  const succeeded = await deliverWithRetries({
    ...input,
    owner: input.owner ?? null,
    seriesStart: input.attemptsBefore,
    waitMs: 0,
    trigger: 'manual',
  });
  return { succeeded };
}
