import type { Mode } from '../scope.js';
import type { Db } from '../database.js';
import { inWindow } from './filters.js';
import type { AuditLogRow } from '../tables/audit-log.table.js';
import { newId } from '../ids.js';

export interface AuditEntry {
  workspaceId: string;
  mode: Mode | null;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  diff: { before: Record<string, unknown> | null; after: Record<string, unknown> | null };
  requestId: string | null;
}

/** Written with the change it describes: pass the transaction the change runs in. */
export async function insertAuditEntry(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId('audit'),
      workspace_id: entry.workspaceId,
      mode: entry.mode,
      actor_id: entry.actorId,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId,
      diff: JSON.stringify(entry.diff),
      request_id: entry.requestId,
    })
    .execute();
}

export interface AuditFilter {
  workspaceId: string;
  /** Entries of this mode and workspace-wide ones. */
  mode: Mode;
  entityType?: string | undefined;
  entityId?: string | undefined;
  action?: string | undefined;
  actorId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Newest first. `from`/`to` become id bounds (ids start with their time), so every filter is an index range. */
export async function listAuditEntries(db: Db, filter: AuditFilter): Promise<AuditLogRow[]> {
  let query = db
    .selectFrom('audit_log')
    .selectAll()
    .where('workspace_id', '=', filter.workspaceId)
    .where((eb) => eb.or([eb('mode', '=', filter.mode), eb('mode', 'is', null)]));
  if (filter.entityType) query = query.where('entity_type', '=', filter.entityType);
  if (filter.entityId) query = query.where('entity_id', '=', filter.entityId);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
  return query
    .where(inWindow('audit', 'occurred_at', filter))
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .execute();
}
