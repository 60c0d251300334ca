import { auditDiff } from '../audit/audit-diff.js';
import type { Mode } from '../db/scope.js';
import type { Db } from '../db/database.js';
import { type AuditFilter, insertAuditEntry, listAuditEntries } from '../db/queries/audit-log.js';
import type { Scope } from '../db/scope.js';
import type { AuditLogRow } from '../db/tables/audit-log.table.js';
import { fetchPage, type Page } from './page.js';
import type { Actor } from './actor.js';

export interface AuditedChange {
  /** Named like the procedure: `webhooks.create`, `apiKeys.revoke`… */
  action: string;
  entityType: string;
  entityId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** The workspace the entity belongs to; the actor's by default. */
  workspaceId?: string;
  /** The entity's mode, or null for workspace-wide entities; the actor's by default. */
  mode?: Mode | null;
}

/** Records a change in the audit log. Call it with the transaction that makes the change. */
export async function audit(db: Db, actor: Actor | null, change: AuditedChange): Promise<void> {
  await insertAuditEntry(db, {
    workspaceId: change.workspaceId ?? actor?.principal.workspaceId ?? '',
    mode: change.mode === undefined ? (actor?.principal.mode ?? null) : change.mode,
    actorId: actor?.principal.keyId ?? null,
    action: change.action,
    entityType: change.entityType,
    entityId: change.entityId,
    diff: auditDiff(change.before, change.after),
    requestId: actor?.requestId ?? null,
  });
}

/** The scope's audit log, newest first, filtered by entity, event, actor and time. */
export async function listAudit(
  deps: { db: Db },
  scope: Scope,
  filter: Omit<AuditFilter, 'workspaceId' | 'mode'>,
): Promise<Page<AuditLogRow>> {
  return fetchPage(filter, (limit) => listAuditEntries(deps.db, { ...filter, ...scope, limit }));
}
