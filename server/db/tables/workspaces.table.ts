import type { ColumnType, Selectable } from 'kysely';

/** A tenant: every webhook, event, delivery, key and audit entry belongs to one. */
export interface WorkspacesTable {
  id: string;
  name: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type WorkspaceRow = Selectable<WorkspacesTable>;

/** Created by the migration that introduced workspaces; single-tenant installations live here. */
export const DEFAULT_WORKSPACE_ID = 'ws_default';
