import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { Mode } from '../scope.js';

/**
 * `parked`: its webhook is paused or disabled by Herald; it is sent when the webhook is resumed or enabled.
 * `discarded`: parked past the bounds (too many, or too old); the reason is in `last_error`.
 * `scheduled`: its event was published with a later `deliver_at`; it becomes `pending` when its workflow starts then.
 * `cancelled`: its scheduled event was withdrawn before it was sent.
 * `queued`: its event has an ordering key and an earlier delivery of that key to the same webhook has not settled;
 * it becomes `pending` when that one has (a trigger passes the turn, see the ordering-keys migration).
 */
export const deliveryStatuses = [
  'pending',
  'succeeded',
  'failed',
  'parked',
  'discarded',
  'scheduled',
  'cancelled',
  'queued',
] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** Of a delivery's last attempt: its HTTP status class, or `network` when it got no HTTP answer at all. */
export const statusClasses = ['2xx', '3xx', '4xx', '5xx', 'network'] as const;
export type StatusClass = (typeof statusClasses)[number];

/** One row per event × webhook: the state of getting that event to that endpoint. */
export interface DeliveriesTable {
  id: string;
  workspace_id: string;
  mode: Mode;
  event_id: string;
  event_type: string;
  webhook_id: string;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempt_count: ColumnType<number, number | undefined, number>;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  /** The workflow allowed to attempt this delivery; null for test sends and deliveries made before owners existed. */
  workflow_id: string | null;
  /** When the next attempt is due, while pending (while scheduled: when it is to be sent); no attempt starts before it. */
  next_attempt_at: Date | null;
  /** The attempt in flight, and until when it holds the delivery: no other attempt starts meanwhile. */
  lease_attempt_id: ColumnType<string | null, never, string | null>;
  lease_expires_at: ColumnType<Date | null, never, Date | null>;
  /** Since when it waits for a token of its webhook's rate limit (no attempt is counted meanwhile); else null. */
  rate_waiting_since: ColumnType<Date | null, never, Date | null>;
  /** Attempts made before the current series began: the schedule counts from here. */
  series_start: ColumnType<number, number | undefined, number>;
  /** Its event's ordering key (null: unordered) and its place among the key's deliveries to this webhook. */
  ordering_key: ColumnType<string | null, string | null | undefined, string | null>;
  ordering_seq: ColumnType<string | null, string | null | undefined, string | null>;
  /** Generated: `2xx`…`5xx` from the last status code, `network` when the last attempt got no HTTP answer. */
  status_class: ColumnType<string | null, never, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type DeliveryRow = Selectable<DeliveriesTable>;
export type NewDeliveryRow = Insertable<DeliveriesTable>;
