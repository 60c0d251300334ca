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

/**
 * How long an attempt holds its delivery. Its request is cut off before the lease ends, so once a lease has
 * expired no request of that attempt can still be on the wire, and a new attempt may start without overlapping it.
 */
export function attemptLeaseMs(policy: DeliveryPolicy): number {
  return policy.attemptTimeoutMs + Math.max(2_000, policy.attemptTimeoutMs);
}

/**
 * Start-to-close limit of an activity that attempts deliveries: room for its own attempt and for waiting out one
 * held by an earlier run of the same activity (whose outcome it then reports instead of sending again).
 */
export function attemptActivityLimitMs(policy: DeliveryPolicy): number {
  return 2 * attemptLeaseMs(policy) + 5_000;
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
