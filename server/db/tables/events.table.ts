import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { Mode } from '../scope.js';

export interface EventsTable {
  workspace_id: string;
  mode: Mode;
  /** Publisher-chosen or generated; unique per workspace and mode. */
  id: string;
  type: string;
  /**
   * The `data` object as published. A `json` column (not `jsonb`) keeps the publisher's key order, so the
   * body a receiver gets reads like what was sent. Null once past the payload retention window: the event's
   * row stays (it proves what was sent and when) without the customer data.
   */
  payload: ColumnType<unknown, string, never>;
  /** A synthetic event sent by `webhooks.test`; its envelope says `"test": true`. */
  is_test: ColumnType<boolean, boolean | undefined, never>;
  /** Published to be delivered later: when. Null: delivered as soon as it was published. */
  deliver_at: ColumnType<Date | null, Date | null | undefined, never>;
  /** Deliveries of events with the same key go to each webhook one at a time, in publish order. Null: no order. */
  ordering_key: ColumnType<string | null, string | null | undefined, never>;
  /** A scheduled event withdrawn before it was sent: when. */
  cancelled_at: ColumnType<Date | null, never, Date | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type EventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;
