import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface EventsTable {
  id: string;
  type: string;
  /**
   * The `data` object as published. A `json` column (not `jsonb`) keeps the publisher's key order, so the
   * body a receiver gets reads like what was sent.
   */
  payload: ColumnType<unknown, string, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type EventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;
