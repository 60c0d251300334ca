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
        summary: 'Audit entries, newest first, filtered by entity, event, actor and time',
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
        summary: "One entity's history, newest first",
        protect: true,
      },
    })
    .input(entityAuditInput)
    .output(pageOf(auditEntrySchema))
    .query(async ({ ctx, input }) =>
      toPageOutput(await listAudit(ctx, ctx.principal, toAuditFilter(input)), toAuditEntry),
    ),
});
