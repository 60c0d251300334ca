import type { Db } from '../database.js';
import type { WorkspaceRow } from '../tables/workspaces.table.js';

export async function insertWorkspace(db: Db, row: { id: string; name: string }): Promise<WorkspaceRow> {
  return db.insertInto('workspaces').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findWorkspace(db: Db, id: string): Promise<WorkspaceRow | undefined> {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Oldest first, so the default workspace leads; `cursor` is the last id of the previous page. */
export async function listWorkspaces(
  db: Db,
  args: { cursor?: string | undefined; limit: number },
): Promise<WorkspaceRow[]> {
  let query = db.selectFrom('workspaces').selectAll();
  if (args.cursor) query = query.where('id', '>', args.cursor);
  return query.orderBy('id').limit(args.limit).execute();
}

export async function updateWorkspace(
  db: Db,
  id: string,
  changes: {
    name?: string;
    signature_profile?: string | null;
    retention_days?: number | null;
    portal_settings?: string | null;
  },
): Promise<WorkspaceRow | undefined> {
  return db.updateTable('workspaces').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
}
