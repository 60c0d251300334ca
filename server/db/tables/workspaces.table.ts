import type { ColumnType, Selectable } from 'kysely';
import type { SignatureProfile } from '../signature-profile.js';

/** A tenant: every webhook, event, delivery, key and audit entry belongs to one. */
export interface WorkspacesTable {
  id: string;
  name: string;
  /** The signature profile of the workspace's webhooks that have none of their own; null: Herald's default. */
  signature_profile: ColumnType<SignatureProfile | null, string | null | undefined, string | null>;
  /** How many days its events, deliveries and attempts are kept; null: the configured default. */
  retention_days: ColumnType<number | null, number | null | undefined, number | null>;
  /** What the endpoint owners' portal allows and looks like; null: the defaults (`DEFAULT_PORTAL_SETTINGS`). */
  portal_settings: ColumnType<PortalSettings | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface PortalSettings {
  /** Subscription patterns owners may use; null: the whole catalog. */
  eventTypes: string[] | null;
  /** Origins allowed to embed the portal in a frame, besides Herald's own. */
  frameAncestors: string[];
  branding: PortalBranding;
}

export interface PortalBranding {
  name?: string | undefined;
  /** An https URL. */
  logoUrl?: string | undefined;
  /** `#rrggbb`. */
  accentColor?: string | undefined;
}

export const DEFAULT_PORTAL_SETTINGS: PortalSettings = { eventTypes: null, frameAncestors: [], branding: {} };

export type WorkspaceRow = Selectable<WorkspacesTable>;

/** Created by the migration that introduced workspaces; single-tenant installations live here. */
export const DEFAULT_WORKSPACE_ID = 'ws_default';
