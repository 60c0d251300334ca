import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * `in_flight` is written before the request leaves; an attempt still `in_flight` when the next one starts was cut
 * short (the worker died) and becomes `interrupted`.
 */
export const attemptOutcomes = ['in_flight', 'succeeded', 'failed', 'interrupted'] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];

export const attemptTriggers = ['scheduled', 'manual', 'test'] as const;
export type AttemptTrigger = (typeof attemptTriggers)[number];

/** One row per HTTP request Herald made (or began to make) for a delivery. */
export interface DeliveryAttemptsTable {
  id: string;
  delivery_id: string;
  /** 1-based, counting every attempt of the delivery. */
  attempt_number: number;
  trigger: ColumnType<AttemptTrigger, AttemptTrigger | undefined, never>;
  outcome: ColumnType<AttemptOutcome, AttemptOutcome | undefined, AttemptOutcome>;
  requested_at: ColumnType<Date, Date | undefined, never>;
  completed_at: Date | null;
  duration_ms: number | null;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  /** The wait applied before the next attempt, and why: the schedule, or the endpoint's Retry-After within bounds. */
  wait_ms: number | null;
  wait_reason: string | null;
  /**
   * The id of the transaction that recorded the outcome (a trigger sets it), as a decimal string: the attempt
   * stream's order. Null while in flight, and for attempts completed before the stream existed.
   */
  completed_xid: ColumnType<string | null, never, never>;
}

export type DeliveryAttemptRow = Selectable<DeliveryAttemptsTable>;
export type NewDeliveryAttemptRow = Insertable<DeliveryAttemptsTable>;
