import type { ColumnType, Selectable } from 'kysely';
import type { Mode, Permission } from '../scope.js';

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  name: string;
  mode: Mode;
  permissions: Permission[];
  /** SHA-256 of the key; the key itself is shown once, at creation, and never stored. */
  key_hash: string;
  key_hint: string;
  created_by: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
