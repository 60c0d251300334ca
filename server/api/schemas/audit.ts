import { z } from 'zod';
import type { AuditLogRow } from '../../db/tables/audit-log.table.js';
import type { AuditFilter } from '../../db/queries/audit-log.js';
import { isoTimestamp, limitInput, text, toDate } from './common.js';

export const auditEntrySchema = z
  .object({
    id: z.string(),
    occurredAt: isoTimestamp,
    actorId: z.string().nullable(),
    event: z.string().describe('the operation, such as webhooks.create'),
    entityType: z.string(),
    entityId: z.string(),
    diff: z.object({
      before: z.record(z.string(), z.unknown()).nullable(),
      after: z.record(z.string(), z.unknown()).nullable(),
    }),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });

/** Seed 004's limit: 50 by default, at most 100; larger values are capped at 100. */
const auditLimit = limitInput(Number.MAX_SAFE_INTEGER, 50).transform((limit) => Math.min(limit, 100));

const range = {
  from: isoTimestamp.optional(),
  to: isoTimestamp.optional(),
  limit: auditLimit,
  cursor: text(1, 128).optional(),
};

/** Seed 004's filters: entityType, entityId, event, actorId, from, to, limit, plus a cursor. */
export const listAuditInput = z.object({
  entityType: text(1, 64).optional(),
  entityId: text(1, 128).optional(),
  event: text(1, 128).optional(),
  actorId: text(1, 128).optional(),
  ...range,
});

export const entityAuditInput = z.object({ entityType: text(1, 64), entityId: text(1, 128), ...range });

export function toAuditEntry(row: AuditLogRow): z.infer<typeof auditEntrySchema> {
  return {
    id: row.id,
    occurredAt: row.occurred_at.toISOString(),
    actorId: row.actor_id,
    event: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    diff: row.diff as z.infer<typeof auditEntrySchema>['diff'],
    requestId: row.request_id,
  };
}

/** Either audit input as the service filters by it (the API's `event` is the stored action). */
export function toAuditFilter(
  input: z.infer<typeof listAuditInput> | z.infer<typeof entityAuditInput>,
): Omit<AuditFilter, 'workspaceId' | 'mode'> {
  return {
    entityType: input.entityType,
    entityId: input.entityId,
    action: 'event' in input ? input.event : undefined,
    actorId: 'actorId' in input ? input.actorId : undefined,
    from: toDate(input.from),
    to: toDate(input.to),
    cursor: input.cursor,
    limit: input.limit,
  };
}
