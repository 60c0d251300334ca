import { deliverWithRetries } from './deliver-with-retries.js';
import type { RetryDeliveryInput } from './shared.js';

/** `deliveries.retry`: a new, manual series of attempts for one failed delivery, on the usual schedule. */
export async function retryDelivery(input: RetryDeliveryInput): Promise<{ succeeded: boolean }> {
  const ended = await deliverWithRetries({
    ...input,
    owner: input.owner ?? null,
    seriesStart: input.attemptsBefore,
    waitMs: 0,
    trigger: 'manual',
  });
  return { succeeded: ended === 'succeeded' };
}
