import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Names shared by the worker, the API that starts workflows and the workflows themselves, defined once.
 * This file is imported by workflow code, so it must stay free of Node APIs and I/O.
 */

/** Test-mode keys see only test-mode webhooks, events and deliveries of their workspace (seed 002's test/live keys). */
export const modes = ['live', 'test'] as const;
export type Mode = (typeof modes)[number];

/** Where something happens: one workspace, in one mode. Every webhook, event, delivery and audit entry has one. */
export interface Scope {
  workspaceId: string;
  mode: Mode;
}

/** Search attributes Herald sets on its workflows, so deliveries can be found in the Temporal UI. */
export const searchAttributes = {
  workspaceId: defineSearchAttributeKey('HeraldWorkspaceId', 'KEYWORD'),
  eventType: defineSearchAttributeKey('HeraldEventType', 'KEYWORD'),
  eventId: defineSearchAttributeKey('HeraldEventId', 'KEYWORD'),
} as const;

export const allSearchAttributes = Object.values(searchAttributes);

/** One workflow per event; a business id makes publishing the same event twice start it once. */
export function fanOutWorkflowId(scope: Scope, eventId: string): string {
  return `fan-out:${scope.workspaceId}:${scope.mode}:${eventId}`;
}

/** First attempts go out in batches of this many deliveries: one local activity and two statements per batch. */
export const DELIVERIES_PER_BATCH = 100;
/**
 * A fan-out with more batches than this runs them in child workflows of this many batches each (1,000 deliveries),
 * so that no workflow history nears Temporal's limits even if every delivery needs all its retries.
 */
export const BATCHES_PER_WORKFLOW = 10;

/** How every delivery of one fan-out is attempted; fixed per workflow so config changes never alter running ones. */
export interface DeliveryPolicy {
  /** Delay before attempt n+1 is `retryScheduleMs[n]`; the length is the number of attempts. */
  retryScheduleMs: number[];
  attemptTimeoutMs: number;
}

/** Consecutive delivery ids of one event, [fromId, toId], created together when it was published. */
export interface DeliveryBatch {
  fromId: string;
  toId: string;
  count: number;
}

export interface FanOutEventInput {
  scope: Scope;
  eventId: string;
  policy: DeliveryPolicy;
  batches: DeliveryBatch[];
}

export interface FanOutEventResult {
  deliveries: number;
  succeeded: number;
  failed: number;
}

export interface FirstAttemptsResult {
  succeeded: number;
  /** Settled as failed: the last attempt failed (a one-attempt schedule) or the webhook is gone. */
  failed: number;
  /** Failed first attempts that get retried, with the attempts made so far and the wait before the next. */
  retry: Array<{ deliveryId: string; attempts: number; retryDelayMs: number }>;
}

export interface SignAndPostInput {
  scope: Scope;
  deliveryId: string;
  eventId: string;
  policy: DeliveryPolicy;
  /** Attempts the delivery had before this series began: the schedule counts from there. */
  seriesStart: number;
  /** Attempts made before this activity's first one. */
  attemptsBefore: number;
  trigger: 'scheduled' | 'manual';
}

export interface SignAndPostResult {
  attemptNumber: number;
  statusCode: number;
}

export interface RecoveryProgress {
  /** Failed deliveries in range when the recovery began. */
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  /** The last delivery processed: the recovery resumes after it. */
  afterId: string | null;
}

export interface RecoverWebhookInput {
  scope: Scope;
  webhookId: string;
  /** ISO time: deliveries created since then are recovered. */
  since: string;
  /** One attempt per delivery. */
  policy: DeliveryPolicy;
  progress?: RecoveryProgress;
}

/** Workflow ids of redeliveries. A retry is keyed by the attempt count it starts from, so asking twice starts it once. */
export function retryWorkflowId(deliveryId: string, attemptsBefore: number): string {
  return `retry:${deliveryId}:${attemptsBefore}`;
}

/** Failure types thrown by activities; Temporal matches them by name. */
export const failureTypes = {
  /** A retryable attempt failure: a non-2xx answer, a timeout or a connection error. */
  attemptFailed: 'DeliveryAttemptFailed',
  /** The last scheduled attempt failed, or the delivery cannot be attempted; it is recorded as failed. */
  deliveryFailed: 'DeliveryFailed',
  /** The event was never stored: its publishing transaction rolled back after starting the workflow. */
  eventNotFound: 'EventNotFound',
} as const;

/** Splits ids (ascending, as created) into delivery batches. */
export function toBatches(sortedIds: string[], size = DELIVERIES_PER_BATCH): DeliveryBatch[] {
  const batches: DeliveryBatch[] = [];
  for (let i = 0; i < sortedIds.length; i += size) {
    const slice = sortedIds.slice(i, i + size);
    batches.push({ fromId: slice[0]!, toId: slice[slice.length - 1]!, count: slice.length });
  }
  return batches;
}
