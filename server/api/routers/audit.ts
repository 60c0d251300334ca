import { listAuditEntries } from '../../repositories/audit-log.js';
import { toPage } from '../schemas/common.js';
import { auditEntrySchema, entityAuditInput, listAuditInput, toAuditEntry } from '../schemas/audit.js';
import { pageOf } from '../schemas/common.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['audit'];
const date = (value: string | undefined) => (value ? new Date(value) : undefined);

export const auditRouter = router({
  list: protectedProcedure('audit:read')
    .meta({ openapi: { method: 'GET', path: '/audit', tags, summary: 'Audit entries, newest first, filtered as seed 004 does', protect: true } })
    .input(listAuditInput.prefault({}))
    .output(pageOf(auditEntrySchema))
    .query(async ({ ctx, input }) => {
      const rows = await listAuditEntries(ctx.db, {
        ...ctx.principal,
        entityType: input.entityType,
        entityId: input.entityId,
        action: input.event,
        actorId: input.actorId,
        from: date(input.from),
        to: date(input.to),
        cursor: input.cursor,
        limit: input.limit + 1,
      });
      return toPage(rows, input.limit, toAuditEntry);
    }),

  forEntity: protectedProcedure('audit:read')
    .meta({ openapi: { method: 'GET', path: '/audit/{entityType}/{entityId}', tags, summary: "One entity's history, newest first", protect: true } })
    .input(entityAuditInput)
    .output(pageOf(auditEntrySchema))
    .query(async ({ ctx, input }) => {
      const rows = await listAuditEntries(ctx.db, {
        ...ctx.principal,
        entityType: input.entityType,
        entityId: input.entityId,
        from: date(input.from),
        to: date(input.to),
        cursor: input.cursor,
        limit: input.limit + 1,
      });
      return toPage(rows, input.limit, toAuditEntry);
    }),
});
