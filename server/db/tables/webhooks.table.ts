import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { Mode } from '../scope.js';

export interface WebhooksTable {
  id: string;
  workspace_id: string;
  mode: Mode;
  name: string;
  url: string;
  /** Event type names this webhook subscribes to. */
  events: string[];
  active: boolean;
  description: string | null;
  /** The signing secret exactly as the user sees it (prefix included): receivers key their HMAC with it. */
  secret: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  /** Deleted webhooks are kept (hidden) so their delivery history stays readable. */
  deleted_at: Date | null;
}

export type WebhookRow = Selectable<WebhooksTable>;
export type NewWebhookRow = Insertable<WebhooksTable>;
export type WebhookUpdate = Updateable<WebhooksTable>;
