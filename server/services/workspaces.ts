import type { Db } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import type { PortalSettings, WorkspaceRow } from '../db/tables/workspaces.table.js';
import { newId } from '../db/ids.js';
import {
  findWorkspace,
  insertWorkspace,
  listWorkspaces as queryWorkspaces,
  updateWorkspace as storeWorkspace,
} from '../db/queries/workspaces.js';
import type { SignatureProfile } from '../db/signature-profile.js';
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

/**
 * Renames a workspace, sets the signature profile its webhooks use unless they have their own (null: Herald's
 * default, both kinds of signature), sets how long its deliveries are kept, or sets its portal settings. Audited.
 */
export async function updateWorkspace(
  deps: { db: Db },
  actor: Actor,
  input: {
    id: string;
    name?: string | undefined;
    signatureProfile?: SignatureProfile | null | undefined;
    retentionDays?: number | null | undefined;
    portal?: PortalSettings | null | undefined;
  },
): Promise<WorkspaceRow> {
  return deps.db.transaction().execute(async (trx) => {
    const before = await findWorkspace(trx, input.id);
    if (!before) throw new NotFoundError('Workspace', input.id);
    const after = (await storeWorkspace(trx, input.id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.signatureProfile !== undefined
        ? { signature_profile: input.signatureProfile ? JSON.stringify(input.signatureProfile) : null }
        : {}),
      ...(input.retentionDays !== undefined ? { retention_days: input.retentionDays } : {}),
      ...(input.portal !== undefined ? { portal_settings: input.portal ? JSON.stringify(input.portal) : null } : {}),
    }))!;
    await audit(trx, actor, {
      action: 'workspaces.update',
      entityType: 'workspace',
      entityId: input.id,
      before: {
        name: before.name,
        signatureProfile: before.signature_profile,
        retentionDays: before.retention_days,
        portal: before.portal_settings,
      },
      after: {
        name: after.name,
        signatureProfile: after.signature_profile,
        retentionDays: after.retention_days,
        portal: after.portal_settings,
      },
      workspaceId: input.id,
      mode: null,
    });
    return after;
  });
}
