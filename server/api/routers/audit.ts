import { listAudit } from '../../services/audit.js';
import { auditEntrySchema, entityAuditInput, listAuditInput, toAuditEntry, toAuditFilter } from '../schemas/audit.js';
import { pageOf, toPageOutput } from '../schemas/common.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['audit'];

export const auditRouter = router({
  list: protectedProcedure('audit:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/audit',
        tags,
        summary: 'Read the audit log',
        description:
          "Every change made in the key's workspace, newest first (the other mode's webhooks, events and deliveries excepted): who made it (the API key), what it was, on which entity, the fields before and after, and the request. Filter by entity, operation, actor and time; 50 entries a page by default, 100 at most. Secrets never appear. Needs `audit:read`.",
        protect: true,
      },
    })
    .input(listAuditInput.prefault({}))
    .output(pageOf(auditEntrySchema))
    .query(async ({ ctx, input }) =>
      toPageOutput(await listAudit(ctx, ctx.principal, toAuditFilter(input)), toAuditEntry),
    ),

  forEntity: protectedProcedure('audit:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/audit/{entityType}/{entityId}',
        tags,
        summary: "One entity's history",
        description:
          'The audit entries of one entity (a webhook, an API key, an event type, a delivery…), newest first. Needs `audit:read`.',
        protect: true,
      },
    })
    .input(entityAuditInput)
    .output(pageOf(auditEntrySchema))
    .query(async ({ ctx, input }) =>
      toPageOutput(await listAudit(ctx, ctx.principal, toAuditFilter(input)), toAuditEntry),
    ),
});
