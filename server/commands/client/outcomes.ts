import type { HeraldClient } from '../../../client/index.js';

export interface DeliveryOutcome {
  deliveryId: string;
  webhookId: string;
  /** `failed` as soon as an attempt failed, even if a retry is still to come. */
  result: 'delivered' | 'failed' | 'parked' | 'waiting';
  attempts: number;
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: string | null;
}

/** Polls each delivery until its first outcome, or until `timeoutSeconds` have passed. */
export async function waitForOutcomes(
  client: HeraldClient,
  deliveryIds: string[],
  timeoutSeconds: number,
): Promise<DeliveryOutcome[]> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const outcomes = new Map<string, DeliveryOutcome>();
  for (;;) {
    for (const id of deliveryIds.filter((d) => !outcomes.get(d) || outcomes.get(d)!.result === 'waiting')) {
      const delivery = await client.deliveries.get.query({ id });
      const result: DeliveryOutcome['result'] =
        delivery.status === 'succeeded'
          ? 'delivered'
          : delivery.status === 'parked'
            ? 'parked'
            : delivery.status === 'failed' ||
                delivery.status === 'discarded' ||
                delivery.attemptLog.some((a) => a.outcome === 'failed')
              ? 'failed'
              : 'waiting';
      outcomes.set(id, {
        deliveryId: id,
        webhookId: delivery.webhookId,
        result,
        attempts: delivery.attempts,
        statusCode: delivery.statusCode,
        error: delivery.error,
        nextAttemptAt: delivery.nextAttemptAt,
      });
    }
    const done = deliveryIds.every((id) => outcomes.get(id)!.result !== 'waiting');
    if (done || Date.now() > deadline) return deliveryIds.map((id) => outcomes.get(id)!);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
