import type { Db } from '../db/database.js';
import {
  deleteExpiredAuditEntries,
  deleteExpiredEvents,
  deleteIdleOrderingKeys,
  dropExpiredPayloads,
} from '../db/queries/retention.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { RetentionResult } from '../../workflows/shared.js';

export interface RetentionSettings {
  /** Events (with their deliveries and attempts) older than this go, unless their workspace keeps its own window. */
  eventsMs: number;
  /** Events older than this lose their payload and their attempts' response excerpts; the rows stay until `eventsMs`. */
  payloadMs: number;
  auditMs: number;
  /** Rows per statement: small enough that no lock is held for long, large enough to keep up. */
  batchSize?: number;
  /** Stop after this long and leave the rest to the next run, so one run never hogs the database. */
  budgetMs?: number;
}

/**
 * Deletes what is past its window, in bounded batches, until nothing is left or the time budget is spent: events
 * with their deliveries and attempts (an event with a delivery still pending or parked is kept), then the payloads
 * and response excerpts of events past the shorter payload window, then audit entries.
 * Run by the reconciler at every sweep, so a backlog shrinks a budget at a time while deliveries go on.
 */
export async function applyRetention(
  deps: { db: Db; logger: Logger; metrics: Metrics },
  settings: RetentionSettings,
  /** Called after every batch: the reconciler's activity heartbeats with it. */
  onBatch: () => void = () => undefined,
): Promise<RetentionResult> {
  const batchSize = settings.batchSize ?? 1_000;
  const started = Date.now();
  const overBudget = () => Date.now() - started > (settings.budgetMs ?? 20_000);
  const result: RetentionResult = {
    events: 0,
    deliveries: 0,
    attempts: 0,
    payloads: 0,
    auditEntries: 0,
    complete: true,
  };

  for (;;) {
    const deleted = await deleteExpiredEvents(deps.db, { defaultMs: settings.eventsMs, limit: batchSize });
    result.events += deleted.events;
    result.deliveries += deleted.deliveries;
    result.attempts += deleted.attempts;
    deps.metrics.retentionDeleted.inc({ table: 'events' }, deleted.events);
    deps.metrics.retentionDeleted.inc({ table: 'deliveries' }, deleted.deliveries);
    deps.metrics.retentionDeleted.inc({ table: 'delivery_attempts' }, deleted.attempts);
    onBatch();
    if (deleted.events < batchSize) break;
    if (overBudget()) return report(deps.logger, { ...result, complete: false }, started);
  }
  for (;;) {
    const dropped = await dropExpiredPayloads(deps.db, {
      defaultMs: settings.payloadMs,
      eventsDefaultMs: settings.eventsMs,
      limit: batchSize,
    });
    result.payloads += dropped.events;
    deps.metrics.retentionPayloadsDropped.inc(dropped.events);
    onBatch();
    if (dropped.events < batchSize) break;
    if (overBudget()) return report(deps.logger, { ...result, complete: false }, started);
  }
  const before = new Date(Date.now() - settings.auditMs);
  for (;;) {
    const deleted = await deleteExpiredAuditEntries(deps.db, { before, limit: batchSize });
    result.auditEntries += deleted;
    deps.metrics.retentionDeleted.inc({ table: 'audit_log' }, deleted);
    onBatch();
    if (deleted < batchSize) break;
    if (overBudget()) return report(deps.logger, { ...result, complete: false }, started);
  }
  // Ordering keys idle for the events window: every delivery of theirs is settled, most are deleted already.
  const idleBefore = new Date(Date.now() - settings.eventsMs);
  for (;;) {
    const deleted = await deleteIdleOrderingKeys(deps.db, { before: idleBefore, limit: batchSize });
    onBatch();
    if (deleted < batchSize) break;
    if (overBudget()) return report(deps.logger, { ...result, complete: false }, started);
  }
  return report(deps.logger, result, started);
}

function report(logger: Logger, result: RetentionResult, started: number): RetentionResult {
  if (result.events + result.payloads + result.auditEntries > 0)
    logger.info(
      { ...result, durationMs: Date.now() - started },
      result.complete ? 'retention: deleted what was past its window' : 'retention: deleted a batch; more remains',
    );
  return result;
}
