import type { ColumnType, Selectable } from 'kysely';

/** The catalog of event types a workspace publishes, with descriptions and schemas: optional, opt-in per workspace. */
export interface EventTypesTable {
  workspace_id: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  /** JSON Schema the `data` of a published event must satisfy. */
  schema: ColumnType<unknown, string | null | undefined, string | null>;
  example: ColumnType<unknown, string | null | undefined, string | null>;
  deprecated: ColumnType<boolean, boolean | undefined, boolean>;
  archived: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type EventTypeRow = Selectable<EventTypesTable>;
