import type { ColumnType, Selectable } from 'kysely';
import type { Mode } from '../scope.js';
import type { PortalBranding } from './workspaces.table.js';

/** `manage`: everything the portal offers; `read`: look, change nothing. */
export const portalPermissions = ['manage', 'read'] as const;
export type PortalPermission = (typeof portalPermissions)[number];

/**
 * An endpoint owner's portal session: created with a one-time token (a link the app hands its customer), which is
 * exchanged once for a cookie. Only the SHA-256 of the token and of the cookie value are stored.
 */
export interface PortalSessionsTable {
  id: string;
  workspace_id: string;
  /** The mode of the key that created it: the portal shows that mode's webhooks only. */
  mode: Mode;
  owner: string;
  permissions: PortalPermission;
  /** Overrides the workspace's branding for this session; null: the workspace's. */
  branding: ColumnType<PortalBranding | null, string | null | undefined, never>;
  token_hash: string;
  token_expires_at: Date;
  session_hash: ColumnType<string | null, string | null | undefined, string | null>;
  expires_at: Date;
  created_at: ColumnType<Date, Date | undefined, never>;
  exchanged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type PortalSessionRow = Selectable<PortalSessionsTable>;
