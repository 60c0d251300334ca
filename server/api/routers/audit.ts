import { listAuditEntries } from '../../repositories/audit-log.js';
import { auditEntrySchema, entityAuditInput, listAuditInput, toAuditEntry } from '../schemas/audit.js';
import type { Principal } from '../../auth/permissions.js';
import type { Db } from '../../db/database.js';
import { pageOf, toPage } from '../schemas/common.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['audit'];
const date = (value: string | undefined) => (value ? new Date(value) : undefined);

/** Both audit procedures run the same query: the caller's scope, the filters given, newest first. */
async function auditPage(
  ctx: { db: Db; principal: Principal },
  input: { entityType?: string | undefined; entityId?: string | undefined; event?: string | undefined; actorId?: string | undefined; from?: string | undefined; to?: string | undefined; cursor?: string | undefined; limit: number },
) {
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
}

export const auditRouter = router({
  list: protectedProcedure('audit:read')
    .meta({ openapi: { method: 'GET', path: '/audit', tags, summary: 'Audit entries, newest first, filtered as seed 004 does', protect: true } })
    .input(listAuditInput.prefault({}))
    .output(pageOf(auditEntrySchema))
    .query(({ ctx, input }) => auditPage(ctx, input)),

  forEntity: protectedProcedure('audit:read')
    .meta({ openapi: { method: 'GET', path: '/audit/{entityType}/{entityId}', tags, summary: "One entity's history, newest first", protect: true } })
    .input(entityAuditInput)
    .output(pageOf(auditEntrySchema))
    .query(({ ctx, input }) => auditPage(ctx, input)),
});
