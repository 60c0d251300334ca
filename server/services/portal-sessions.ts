import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { newId } from '../db/ids.js';
import {
  deleteEndedPortalSessions,
  findLivePortalSession,
  findPortalSessionByToken,
  insertPortalSession,
  spendPortalToken,
} from '../db/queries/portal-sessions.js';
import type { Mode } from '../db/scope.js';
import type { PortalPermission } from '../db/tables/portal-sessions.table.js';
import { DEFAULT_PORTAL_SETTINGS, type PortalBranding, type PortalSettings } from '../db/tables/workspaces.table.js';
import { InvalidInputError } from '../errors.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';

/** How long a portal link can be opened: long enough to send it, short enough that a leaked one soon dies. */
export const PORTAL_TOKEN_TTL_MS = 10 * 60_000;
export const DEFAULT_PORTAL_SESSION_SECONDS = 3600;
export const MAX_PORTAL_SESSION_SECONDS = 86_400;

/** The token and the cookie value are 32 random bytes; only their SHA-256 is stored. */
function secretToken(): string {
  return randomBytes(32).toString('base64url');
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export interface CreatePortalSessionInput {
  owner: string;
  /** Seconds from now; 3600 by default, at most 86400. */
  expiresIn?: number | undefined;
  permissions?: PortalPermission | undefined;
  branding?: PortalBranding | undefined;
}

/**
 * A portal session for one owner of the caller's workspace and mode, and the one-time token that opens it (valid
 * ten minutes, or until the session ends if sooner). The token is returned this once; only its hash is kept.
 */
export async function createPortalSession(
  deps: { db: Db },
  actor: Actor,
  input: CreatePortalSessionInput,
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const seconds = input.expiresIn ?? DEFAULT_PORTAL_SESSION_SECONDS;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PORTAL_SESSION_SECONDS)
    throw InvalidInputError.at(['expiresIn'], `must be 1 to ${MAX_PORTAL_SESSION_SECONDS} seconds`);
  const now = Date.now();
  const expiresAt = new Date(now + seconds * 1000);
  const token = secretToken();
  const { workspaceId, mode } = actor.principal;
  return deps.db.transaction().execute(async (trx) => {
    // Ended sessions are kept a day (a late click still gets "link expired"), then dropped here, cheaply by index.
    await deleteEndedPortalSessions(trx, new Date(now - 86_400_000));
    const row = await insertPortalSession(trx, {
      id: newId('portalSession'),
      workspace_id: workspaceId,
      mode,
      owner: input.owner,
      permissions: input.permissions ?? 'manage',
      branding: input.branding ? JSON.stringify(input.branding) : null,
      token_hash: sha256(token),
      token_expires_at: new Date(Math.min(now + PORTAL_TOKEN_TTL_MS, expiresAt.getTime())),
      expires_at: expiresAt,
    });
    await audit(trx, actor, {
      action: 'portal.createSession',
      entityType: 'portalSession',
      entityId: row.id,
      after: { owner: row.owner, permissions: row.permissions, expiresAt: expiresAt.toISOString() },
    });
    return { id: row.id, token, expiresAt };
  });
}

export type TokenExchange =
  | { kind: 'session'; cookieValue: string; expiresAt: Date }
  /** Known, but used already or past its time: the link is spent. */
  | { kind: 'spent' }
  | { kind: 'unknown' };

/** Exchanges a one-time token for a session cookie value, once. */
export async function exchangePortalToken(deps: { db: Db }, token: string): Promise<TokenExchange> {
  const cookieValue = secretToken();
  const tokenHash = sha256(token);
  const row = await spendPortalToken(deps.db, tokenHash, sha256(cookieValue));
  if (row) return { kind: 'session', cookieValue, expiresAt: row.expires_at };
  return (await findPortalSessionByToken(deps.db, tokenHash)) ? { kind: 'spent' } : { kind: 'unknown' };
}

/** A live portal session, as the portal's procedures and pages see it. */
export interface PortalSession {
  id: string;
  workspaceId: string;
  workspaceName: string;
  mode: Mode;
  owner: string;
  permissions: PortalPermission;
  expiresAt: Date;
  /** The workspace's portal settings, with the session's branding over the workspace's. */
  settings: PortalSettings;
}

/** The session a cookie value belongs to, while it lasts; undefined for anything else. */
export async function findPortalSession(
  deps: { db: Db },
  cookieValue: string | undefined,
): Promise<PortalSession | undefined> {
  if (!cookieValue || cookieValue.length > 200) return undefined;
  const row = await findLivePortalSession(deps.db, sha256(cookieValue));
  if (!row) return undefined;
  const settings = row.portal_settings ?? DEFAULT_PORTAL_SETTINGS;
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    workspaceName: row.workspace_name,
    mode: row.mode,
    owner: row.owner,
    permissions: row.permissions,
    expiresAt: row.expires_at,
    settings: { ...settings, branding: { ...settings.branding, ...(row.branding ?? {}) } },
  };
}
