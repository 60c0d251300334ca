import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { Scope } from '../server/db/scope.js';
import type { DeliveryPolicy } from '../server/delivery/policy.js';

/**
 * The contract between the workflows, the activities and the API that starts workflows: workflow ids, search
 * attributes, every workflow and activity payload type, queries and failure types, defined once. Workflow code
 * imports this file, so it stays free of Node APIs and I/O.
 */

/** Search attributes Herald sets on its workflows, so deliveries can be found in the Temporal UI. */
export const searchAttributes = {
  workspaceId: defineSearchAttributeKey('HeraldWorkspaceId', 'KEYWORD'),
  eventType: defineSearchAttributeKey('HeraldEventType', 'KEYWORD'),
  eventId: defineSearchAttributeKey('HeraldEventId', 'KEYWORD'),
} as const;

export const allSearchAttributes = Object.values(searchAttributes);

/**
 * One workflow per publication of an event. The publication id, new for every publishing transaction, makes the
 * id unique to what that transaction commits: a retry of a publication that rolled back after starting its
 * workflow gets a workflow of its own, never the orphan of the rolled-back one. Publishing an id that is already
 * stored starts nothing (Postgres decides), so an event still has exactly one fan-out.
 */
export function fanOutWorkflowId(scope: Scope, eventId: string, publicationId: string): string {
  return `fan-out:${scope.workspaceId}:${scope.mode}:${eventId}:${publicationId}`;
}

/** The fan-out id that deliveries made before workflow ids carried a publication id belong to. */
export function legacyFanOutWorkflowId(scope: Scope, eventId: string): string {
  return `fan-out:${scope.workspaceId}:${scope.mode}:${eventId}`;
}

/** A delivery that nothing was working on, continued by the reconciler from where its schedule stands. */
export function resumeWorkflowId(deliveryId: string, attemptCount: number): string {
  return `resume:${deliveryId}:${attemptCount}`;
}

/** One reconciler per task queue, whichever worker starts it first. */
export function reconcilerWorkflowId(taskQueue: string): string {
  return `herald-reconciler:${taskQueue}`;
}

/** The owner of test-send deliveries: the API attempts them itself, once, with no workflow. */
export const TEST_SEND_OWNER = 'test-send';

/** First attempts go out in batches of this many deliveries: one local activity and two statements per batch. */
export const DELIVERIES_PER_BATCH = 100;
/**
 * A fan-out with more batches than this runs them in child workflows of this many batches each (1,000 deliveries),
 * so that no workflow history nears Temporal's limits even if every delivery needs all its retries.
 */
export const BATCHES_PER_WORKFLOW = 10;

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
  /** The workflow id the deliveries belong to (the root fan-out's); absent in fan-outs started before owners. */
  owner?: string;
}

export interface FanOutEventResult {
  deliveries: number;
  succeeded: number;
  failed: number;
  /** The publication that started this workflow rolled back: there was nothing to deliver. */
  rolledBack?: true;
}

export interface FirstAttemptsInput {
  scope: Scope;
  eventId: string;
  batch: DeliveryBatch;
  policy: DeliveryPolicy;
  owner: string | null;
}

export interface FirstAttemptsResult {
  /** No delivery of the batch was ever committed for this workflow: its publication rolled back. */
  rolledBack?: true;
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
  /** The workflow the delivery belongs to; absent in workflows started before owners. */
  owner?: string | null;
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

/** Asked of a running `recoverWebhook` workflow: how far it has got. */
export const progressQuery = defineQuery<RecoveryProgress>('progress');

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

export interface MarkDeliveryFailedInput {
  deliveryId: string;
  /** The workflow the delivery belongs to; only it may settle the delivery. */
  owner?: string | null;
  reason: string;
}

/** Failed deliveries of one webhook created since a time: what a recovery goes through. */
export interface FailedDeliveriesQuery {
  scope: Scope;
  webhookId: string;
  /** ISO time. */
  since: string;
}

export interface FailedDeliveriesPage extends FailedDeliveriesQuery {
  afterId?: string | undefined;
  limit: number;
}

export interface RedeliverPageInput {
  scope: Scope;
  deliveries: Array<{ id: string; eventId: string }>;
  policy: DeliveryPolicy;
  /** The recovery workflow, which owns the deliveries it reopens. */
  owner: string;
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

/**
 * Workflow ids of manual retries. Postgres refuses a second retry of a delivery that is pending again, so the id
 * only has to be unique to the request: like a fan-out, a retry whose transaction rolled back after its start
 * leaves an orphan that owns nothing and that a later retry never joins.
 */
export function retryWorkflowId(deliveryId: string, requestId: string): string {
  return `retry:${deliveryId}:${requestId}`;
}

/** Failure types thrown by activities; Temporal matches them by name. */
export const failureTypes = {
  /** A retryable attempt failure: a non-2xx answer, a timeout or a connection error. */
  attemptFailed: 'DeliveryAttemptFailed',
  /** The last scheduled attempt failed, or the delivery cannot be attempted; it is recorded as failed. */
  deliveryFailed: 'DeliveryFailed',
  /** The delivery no longer belongs to this workflow (the reconciler gave it to another); nothing to do here. */
  deliveryHandedOver: 'DeliveryHandedOver',
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

export interface ResumeDeliveryInput {
  scope: Scope;
  eventId: string;
  deliveryId: string;
  policy: DeliveryPolicy;
  /** This workflow's own id, which the delivery was handed to. */
  owner: string;
  seriesStart: number;
  attemptsBefore: number;
}

export interface ReconcileResult {
  /** Overdue deliveries looked at. */
  checked: number;
  /** Given to a new workflow because none was working on them. */
  restarted: number;
  /** Interrupted test sends, settled as failed. */
  abandoned: number;
  /** Overdue, but their workflow is still running (late, not lost). */
  late: number;
  /** When to look again. */
  nextRunInMs: number;
}
