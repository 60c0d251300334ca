import type { Db } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import type { WorkspaceRow } from '../db/tables/workspaces.table.js';
import { newId } from '../db/ids.js';
import { findWorkspace, insertWorkspace, listWorkspaces as queryWorkspaces } from '../db/queries/workspaces.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import { fetchPage, type Page, type PageRequest } from './page.js';

/** A new tenant; its audit entry lives in the new workspace, naming the admin key that made it. */
export async function createWorkspace(deps: { db: Db }, actor: Actor, input: { name: string }): Promise<WorkspaceRow> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await insertWorkspace(trx, { id: newId('workspace'), name: input.name });
    await audit(trx, actor, {
      action: 'workspaces.create',
      entityType: 'workspace',
      entityId: row.id,
      after: { name: row.name },
      workspaceId: row.id,
      mode: null,
    });
    return row;
  });
}

/** Every workspace, oldest first, so the default one leads. */
export async function listWorkspaces(deps: { db: Db }, request: PageRequest): Promise<Page<WorkspaceRow>> {
  return fetchPage(request, (limit) => queryWorkspaces(deps.db, { cursor: request.cursor, limit }));
}

export async function getWorkspace(deps: { db: Db }, id: string): Promise<WorkspaceRow> {
  const row = await findWorkspace(deps.db, id);
  if (!row) throw new NotFoundError('Workspace', id);
  return row;
}
