import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { PortalSessionRow, PortalSessionsTable } from '../tables/portal-sessions.table.js';
import type { PortalSettings } from '../tables/workspaces.table.js';
import type { Insertable } from 'kysely';

/** Portal sessions, found by the SHA-256 of their one-time token or of their cookie value. */

export async function insertPortalSession(db: Db, row: Insertable<PortalSessionsTable>): Promise<PortalSessionRow> {
  return db.insertInto('portal_sessions').values(row).returningAll().executeTakeFirstOrThrow();
}

/**
 * Spends a one-time token: one statement marks it used and stores the cookie's hash, so two requests with the same
 * link cannot both get a session. Undefined when the token is unknown, used, past its ten minutes or its session's end.
 */
export async function spendPortalToken(
  db: Db,
  tokenHash: string,
  sessionHash: string,
): Promise<PortalSessionRow | undefined> {
  return db
    .updateTable('portal_sessions')
    .set({ exchanged_at: sql<Date>`now()`, session_hash: sessionHash })
    .where('token_hash', '=', tokenHash)
    .where('exchanged_at', 'is', null)
    .where('token_expires_at', '>', sql<Date>`now()`)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

export async function findPortalSessionByToken(db: Db, tokenHash: string): Promise<PortalSessionRow | undefined> {
  return db.selectFrom('portal_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** A session that has not ended, with what the portal needs of its workspace. */
export async function findLivePortalSession(db: Db, sessionHash: string) {
  return db
    .selectFrom('portal_sessions as s')
    .innerJoin('workspaces as w', 'w.id', 's.workspace_id')
    .selectAll('s')
    .select(['w.name as workspace_name', 'w.portal_settings as portal_settings'])
    .where('s.session_hash', '=', sessionHash)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst() as Promise<
    (PortalSessionRow & { workspace_name: string; portal_settings: PortalSettings | null }) | undefined
  >;
}

/** Sessions that ended before `before`: nothing reads them any more. */
export async function deleteEndedPortalSessions(db: Db, before: Date): Promise<void> {
  await db.deleteFrom('portal_sessions').where('expires_at', '<', before).execute();
}
