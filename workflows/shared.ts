import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Names shared by the worker, the API that starts workflows and the workflows themselves, defined once.
 * This file is imported by workflow code, so it must stay free of Node APIs and I/O.
 */

/** Search attributes Herald sets on every fan-out, so deliveries can be found in the Temporal UI. */
export const searchAttributes = {
  eventType: defineSearchAttributeKey('HeraldEventType', 'KEYWORD'),
  eventId: defineSearchAttributeKey('HeraldEventId', 'KEYWORD'),
} as const;

export const allSearchAttributes = Object.values(searchAttributes);

/** One workflow per event; a business id makes publishing the same event twice start it once. */
export function fanOutWorkflowId(eventId: string): string {
  return `fan-out:${eventId}`;
}

/** How every delivery of one fan-out is attempted; fixed per workflow so config changes never alter running ones. */
export interface DeliveryPolicy {
  /** Delay before attempt n+1 is `retryScheduleMs[n]`; the length is the number of attempts. */
  retryScheduleMs: number[];
  attemptTimeoutMs: number;
}

export interface FanOutEventInput {
  eventId: string;
  policy: DeliveryPolicy;
}

export interface FanOutEventResult {
  deliveries: number;
  succeeded: number;
  failed: number;
}

export interface SignAndPostInput {
  deliveryId: string;
  policy: DeliveryPolicy;
}

export interface SignAndPostResult {
  attemptNumber: number;
  statusCode: number;
}

/** Failure types thrown by activities; Temporal matches them by name. */
export const failureTypes = {
  /** A retryable attempt failure: a non-2xx answer, a timeout or a connection error. */
  attemptFailed: 'DeliveryAttemptFailed',
  /** The last scheduled attempt failed; the delivery is recorded as failed. */
  deliveryFailed: 'DeliveryFailed',
  /** The webhook was deleted or disabled after the event was published; nothing is sent. */
  webhookUnavailable: 'WebhookUnavailable',
  /** The event row is not (yet) visible: the publishing transaction has not committed. */
  eventNotFound: 'EventNotFound',
} as const;
