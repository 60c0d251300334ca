import { z } from 'zod';
import type { AuditLogRow } from '../../db/tables/audit-log.table.js';
import type { AuditFilter } from '../../db/queries/audit-log.js';
import { cursorInput, isoTimestamp, limitInput, text, toDate } from './common.js';
import { sample } from './examples.js';

export const auditEntrySchema = z
  .object({
    id: z.string(),
    occurredAt: isoTimestamp,
    actorId: z.string().nullable().meta({
      description:
        "The API key that made the change, or `portal:<owner>` for an endpoint owner in the portal; null for Herald's own changes at start-up.",
    }),
    event: z.string().meta({ description: 'The operation, such as `webhooks.create`.' }),
    entityType: z.string().meta({ description: 'What changed: `webhook`, `api_key`, `event_type`, `delivery`…' }),
    entityId: z.string(),
    diff: z
      .object({
        before: z.record(z.string(), z.unknown()).nullable(),
        after: z.record(z.string(), z.unknown()).nullable(),
      })
      .meta({
        description:
          'The fields that changed, before and after; null before a creation and after a deletion. Secrets show as `[redacted]`.',
      }),
    requestId: z.string().nullable().meta({ description: 'The request that made the change, as in the server log.' }),
  })
  .meta({
    id: 'AuditEntry',
    description: 'One change, who made it and what it changed.',
    examples: [
      {
        id: sample.auditId,
        occurredAt: sample.createdAt,
        actorId: sample.apiKeyId,
        event: 'webhooks.update',
        entityType: 'webhook',
        entityId: sample.webhookId,
        diff: { before: { active: true }, after: { active: false } },
        requestId: 'req_01M892BP80YQYY5NTN5J08W6YN',
      },
    ],
  });

/** 50 entries by default, at most 100: a larger limit is read as 100 rather than refused. */
const auditLimit = limitInput(Number.MAX_SAFE_INTEGER, 50)
  .meta({ description: 'How many entries to return: 50 by default; any value above 100 returns 100.' })
  .transform((limit) => Math.min(limit, 100));

const range = {
  from: isoTimestamp.meta({ description: 'Only entries at or after this time.' }).optional(),
  to: isoTimestamp.meta({ description: 'Only entries at or before this time.' }).optional(),
  limit: auditLimit,
  cursor: cursorInput,
};

const entityType = text(1, 64).meta({
  description: 'The kind of entity: `webhook`, `api_key`, `event_type`, `delivery`, `workspace`…',
  examples: ['webhook'],
});
const entityId = text(1, 128).meta({
  description: "The entity's id (an event type's name).",
  examples: [sample.webhookId],
});

/** The filters: entity type and id, event, actor and time, plus a cursor. */
export const listAuditInput = z.object({
  entityType: entityType.optional(),
  entityId: entityId.optional(),
  event: text(1, 128)
    .meta({ description: 'Only this operation, such as `webhooks.update`.', examples: ['webhooks.update'] })
    .optional(),
  actorId: text(1, 128).meta({ description: 'Only changes made with this API key (its id).' }).optional(),
  ...range,
});

export const entityAuditInput = z.object({ entityType, entityId, ...range });

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
