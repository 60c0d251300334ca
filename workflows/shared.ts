import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
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
  /** The webhooks a workflow delivers to (up to MAX_LISTED_WEBHOOKS; wider fan-outs leave it out). */
  webhookIds: defineSearchAttributeKey('HeraldWebhookIds', 'KEYWORD_LIST'),
  /** How the workflow's deliveries ended, set as it ends: see `Outcome`. */
  outcome: defineSearchAttributeKey('HeraldOutcome', 'KEYWORD'),
} as const;

/**
 * `delivered`: every delivery succeeded; `partly-failed`: some failed for good; `failed`: all that were attempted
 * failed for good; `parked`: some wait for a paused or disabled webhook; `rolled-back`: nothing to deliver;
 * `cancelled`: a scheduled send withdrawn as it came due, nothing sent.
 * A delivery that failed for good does not fail the workflow (it did its job), so this is how to find them.
 */
export type Outcome = 'delivered' | 'partly-failed' | 'failed' | 'parked' | 'rolled-back' | 'cancelled';

/** A search attribute value is limited in size (2 KB by default): longer webhook lists are left out. */
export const MAX_LISTED_WEBHOOKS = 50;

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
  /**
   * The API request that asked for this work (its `X-Request-Id`, or the id Herald gave it), carried into every
   * log line of the workflow and its attempts; absent for Herald's own work and in workflows started before it.
   */
  requestId?: string;
  /**
   * A scheduled send: Temporal held the start back until its time (a start delay), and the deliveries wait as
   * `scheduled` until the first attempts make them pending.
   */
  scheduled?: true;
}

export interface FanOutEventResult {
  deliveries: number;
  succeeded: number;
  failed: number;
  /** The publication that started this workflow rolled back: there was nothing to deliver. */
  rolledBack?: true;
  /** Deliveries parked because their webhook is paused or disabled; sent when it is resumed or enabled. */
  parked?: number;
  /** Deliveries of a scheduled send that was cancelled as it came due: nothing was sent. */
  cancelled?: number;
}

export interface FirstAttemptsInput {
  scope: Scope;
  eventId: string;
  batch: DeliveryBatch;
  policy: DeliveryPolicy;
  owner: string | null;
  /** The publishing request, for the attempt log lines. */
  requestId?: string;
  /** The batch's deliveries are `scheduled`: make them pending first (unless they were cancelled). */
  scheduled?: true;
}

export interface FirstAttemptsResult {
  /** No delivery of the batch was ever committed for this workflow: its publication rolled back. */
  rolledBack?: true;
  succeeded: number;
  /** Settled as failed: the last attempt failed (a one-attempt schedule) or the webhook is gone. */
  failed: number;
  /** Parked: the webhook is paused or disabled by Herald. */
  parked?: number;
  /** Cancelled: a scheduled send withdrawn just before it was sent. */
  cancelled?: number;
  /** Failed first attempts that get retried, with the attempts made so far and the wait before the next. */
  retry: Array<{ deliveryId: string; attempts: number; retryDelayMs: number; endpoint?: string }>;
  /** Deliveries whose turn for their ordering key has not come: the workflow waits for `deliveryTurnSignal`. */
  queued?: string[];
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
  /** The request that published the event or asked for the retry, for the attempt log lines. */
  requestId?: string;
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

/**
 * Sent to a fan-out workflow when the turn of one of its deliveries has come (its ordering key's previous delivery
 * to that webhook settled): the argument is the delivery's id. Whoever settled the previous one sends it, and the
 * reconciler sends it again for a turn that stays untaken, so a lost signal only delays.
 */
export const deliveryTurnSignal = defineSignal<[deliveryId: string]>('deliveryTurn');

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
  /** The request that asked for the retry, carried into the log lines of its attempts. */
  requestId?: string;
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
  /** The webhook is paused or disabled by Herald: the delivery waits, parked, for it to be resumed or enabled. */
  deliveryParked: 'DeliveryParked',
  /**
   * The delivery waits for its ordering key's turn: nothing was sent. Retried after a while; the workflow only
   * attempts it once told its turn has come, so this is a safety net, not a path.
   */
  deliveryQueued: 'DeliveryQueued',
  /**
   * The webhook's rate limit had no token: nothing was sent and no attempt counted. Retried when one is due, after
   * the wait the activity names (`nextRetryDelay`); Temporal holds no worker meanwhile.
   */
  rateLimited: 'DeliveryRateLimited',
  /** The event was never stored: its publishing transaction rolled back after starting the workflow. */
  eventNotFound: 'EventNotFound',
} as const;

/**
 * The request id a workflow or activity was started with: its input's `requestId`. Every Herald workflow and
 * activity takes one object argument, so interceptors can find it there without knowing the type.
 */
export function requestIdOf(args: readonly unknown[]): string | undefined {
  const first = args[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const id = (first as { requestId?: unknown }).requestId;
  return typeof id === 'string' ? id : undefined;
}

/** Splits ids (ascending, as created) into delivery batches. */
export function toBatches(sortedIds: string[], size = DELIVERIES_PER_BATCH): DeliveryBatch[] {
  const batches: DeliveryBatch[] = [];
  for (let i = 0; i < sortedIds.length; i += size) {
    const slice = sortedIds.slice(i, i + size);
    batches.push({ fromId: slice[0]!, toId: slice[slice.length - 1]!, count: slice.length });
  }
  return batches;
}

/** A webhook is back (resumed or enabled): its parked deliveries go out in publish order, at a bounded rate. */
export interface DrainWebhookInput {
  scope: Scope;
  webhookId: string;
  policy: DeliveryPolicy;
  /** Deliveries per page; one page a second. */
  perSecond: number;
  /** Sent so far, carried across continue-as-new. */
  sent?: number;
}

export interface DrainPageInput {
  scope: Scope;
  webhookId: string;
  policy: DeliveryPolicy;
  limit: number;
  /** The drain workflow, which owns the deliveries it reopens. */
  owner: string;
}

/** One drained page: attempted now; failures go on in `resumeDelivery` workflows on their schedule. */
export interface DrainPageResult {
  attempted: number;
  succeeded: number;
}

export function drainWorkflowId(webhookId: string, requestId: string): string {
  return `drain:${webhookId}:${requestId}`;
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
  /** Wait before the next attempt; absent: at once (the delivery is overdue). */
  waitMs?: number;
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
  /** Scheduled sends whose workflow was gone, started again for the time left (absent in older results). */
  rescheduled?: number;
  /** Overdue deliveries whose running workflow was told (again) that their ordering key's turn came. */
  toldTurns?: number;
  /** When to look again. */
  nextRunInMs: number;
}

/** The outcome of a workflow's deliveries, from its counts. */
export function outcomeOf(result: {
  succeeded: number;
  failed: number;
  parked?: number;
  cancelled?: number;
  rolledBack?: true;
}): Outcome {
  if (result.rolledBack) return 'rolled-back';
  if ((result.cancelled ?? 0) > 0 && result.succeeded + result.failed + (result.parked ?? 0) === 0) return 'cancelled';
  if (result.failed > 0) return result.succeeded > 0 || (result.parked ?? 0) > 0 ? 'partly-failed' : 'failed';
  return (result.parked ?? 0) > 0 ? 'parked' : 'delivered';
}

/** What a retention run deleted; `complete` is false when its time budget ran out first. */
export interface RetentionResult {
  events: number;
  deliveries: number;
  attempts: number;
  /** Events whose payload (and their attempts' response excerpts) was dropped, their rows kept. */
  payloads: number;
  auditEntries: number;
  complete: boolean;
}

/** What the endpoint sweep did: warnings, disablings (and their announcements), discarded parked deliveries. */
export interface SweepResult {
  warned: number;
  disabled: number;
  announced: number;
  discarded: number;
  rotationsEnded: number;
}
