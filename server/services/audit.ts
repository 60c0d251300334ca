import { auditDiff } from '../audit/audit-diff.js';
import type { Mode } from '../auth/permissions.js';
import type { Db } from '../db/database.js';
import { insertAuditEntry } from '../repositories/audit-log.js';
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
