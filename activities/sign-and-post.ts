import { activityInfo, ApplicationFailure, cancellationSignal } from '@temporalio/activity';
import type { Db } from '../server/db/database.js';
import { newId } from '../server/ids.js';
import { beginAttempt, completeAttempt, failDelivery } from '../server/repositories/delivery-attempts.js';
import { failureTypes, type SignAndPostInput, type SignAndPostResult } from '../workflows/shared.js';
import { deliveryHeaders } from './delivery-headers.js';
import { serializeEnvelope } from './envelope.js';
import type { DeliveryHttpClient } from './http/delivery-http-client.js';
import { nextRetryDelayMs } from './retry-schedule.js';

export interface SignAndPostDeps {
  db: Db;
  http: DeliveryHttpClient;
  userAgent: string;
}

/**
 * One attempt at one delivery. Temporal's retry policy runs the attempts; this activity picks the wait before the
 * next one from the delivery policy (`nextRetryDelay`), so the schedule is applied exactly, and records every
 * attempt in Postgres before the request leaves and again with its outcome before returning or throwing.
 */
export function createSignAndPost({ db, http, userAgent }: SignAndPostDeps) {
  return async function signAndPost(input: SignAndPostInput): Promise<SignAndPostResult> {
    const { deliveryId, policy } = input;
    const retryDelay = nextRetryDelayMs(policy.retryScheduleMs, activityInfo().attempt);
    const retryLater = (message: string) =>
      ApplicationFailure.create({ type: failureTypes.attemptFailed, message, nextRetryDelay: retryDelay });

    let begun;
    try {
      begun = await beginAttempt(db, { deliveryId, attemptId: newId('attempt'), trigger: 'scheduled' });
    } catch (error) {
      // Nothing was sent; try again on the schedule rather than on Temporal's default backoff.
      if (retryDelay === undefined) throw error;
      throw retryLater(`could not record the attempt: ${(error as Error).message}`);
    }

    switch (begun.kind) {
      case 'missing':
        throw ApplicationFailure.create({ type: failureTypes.deliveryFailed, nonRetryable: true, message: `delivery ${deliveryId} does not exist` });
      case 'webhook-unavailable':
        await failDelivery(db, deliveryId, `not sent: ${begun.reason}`);
        throw ApplicationFailure.create({ type: failureTypes.webhookUnavailable, nonRetryable: true, message: begun.reason });
      case 'settled':
        // A duplicate task for a delivery that already finished: report what happened, send nothing.
        if (begun.status === 'succeeded') return { attemptNumber: begun.attemptCount, statusCode: begun.lastStatusCode ?? 200 };
        throw ApplicationFailure.create({ type: failureTypes.deliveryFailed, nonRetryable: true, message: 'delivery already failed' });
    }

    const body = serializeEnvelope(begun.event);
    const outcome = await http.post({
      url: begun.webhook.url,
      body,
      headers: deliveryHeaders({
        body,
        secret: begun.webhook.secret,
        eventId: begun.event.id,
        eventType: begun.event.type,
        attemptNumber: begun.attemptNumber,
        userAgent,
      }),
      timeoutMs: policy.attemptTimeoutMs,
      signal: cancellationSignal(),
    });
    const final = !outcome.ok && retryDelay === undefined;
    try {
      await completeAttempt(db, { attemptId: begun.attemptId, deliveryId, final, ...outcome });
    } catch (error) {
      // The attempt row stays in_flight and the next attempt marks it interrupted. Delivery is at-least-once,
      // so a success that could not be recorded is sent again rather than assumed.
      if (retryDelay === undefined) throw error;
      throw retryLater(`could not record the outcome of attempt ${begun.attemptNumber}: ${(error as Error).message}`);
    }

    if (outcome.ok) return { attemptNumber: begun.attemptNumber, statusCode: outcome.statusCode! };
    const message = `attempt ${begun.attemptNumber} failed: ${outcome.error}`;
    if (final) throw ApplicationFailure.create({ type: failureTypes.deliveryFailed, nonRetryable: true, message });
    throw retryLater(message);
  };
}
