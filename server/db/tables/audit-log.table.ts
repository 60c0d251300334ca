import type { ColumnType, Selectable } from 'kysely';

/** One entry per state-changing operation, written in the same transaction as the change. */
export interface AuditLogTable {
  id: string;
  workspace_id: string;
  /** The mode of the entity when it has one (webhooks, deliveries, keys); null for workspace-wide entities. */
  mode: 'live' | 'test' | null;
  occurred_at: ColumnType<Date, Date | undefined, never>;
  /** The API key that made the change; null for Herald itself (bootstrap, seeding). */
  actor_id: string | null;
  /** The operation, named like the procedure: `webhooks.create`, `apiKeys.revoke`… */
  action: string;
  entity_type: string;
  entity_id: string;
  /** `{ before, after }` with secrets redacted. */
  diff: ColumnType<unknown, string, never>;
  request_id: string | null;
}

export type AuditLogRow = Selectable<AuditLogTable>;
