import { sql } from 'kysely';
import type { Db } from '../database.js';
import { idFloorAt } from '../ids.js';

export interface DeletedRows {
  events: number;
  deliveries: number;
  attempts: number;
}

/**
 * Deletes up to `limit` events past their workspace's window (or `defaultMs`), with their deliveries and attempts,
 * in one statement. An event with a delivery still pending, parked or scheduled is kept whole: it is not history yet. Each
 * workspace and mode is walked oldest first on `events_scope_created_idx`, so a batch touches only rows it deletes
 * and holds its locks for one short statement. The delivery delete re-checks the status, so a delivery retried by
 * hand while the batch runs is kept (and the batch, whose event delete would then fail, is tried again later).
 */
export async function deleteExpiredEvents(db: Db, args: { defaultMs: number; limit: number }): Promise<DeletedRows> {
  const { rows } = await sql<{ events: string; deliveries: string; attempts: string }>`
    WITH doomed AS (
      SELECT e.workspace_id, e.mode, e.id
        FROM workspaces w
        CROSS JOIN (VALUES ('live'), ('test')) AS m (mode)
        CROSS JOIN LATERAL (
          SELECT e.workspace_id, e.mode, e.id FROM events e
           WHERE e.workspace_id = w.id AND e.mode = m.mode
             AND e.created_at < now() - coalesce(w.retention_days * 86400000::bigint, ${args.defaultMs}) * interval '1 ms'
             AND NOT EXISTS (
               SELECT 1 FROM deliveries d
                WHERE d.workspace_id = e.workspace_id AND d.mode = e.mode AND d.event_id = e.id
                  AND d.status IN ('pending', 'parked', 'scheduled'))
           ORDER BY e.created_at
           LIMIT ${args.limit}
        ) AS e
       LIMIT ${args.limit}
    ),
    doomed_deliveries AS (
      SELECT d.id FROM deliveries d
        JOIN doomed x ON d.workspace_id = x.workspace_id AND d.mode = x.mode AND d.event_id = x.id
    ),
    attempts AS (
      DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM doomed_deliveries) RETURNING 1
    ),
    deliveries AS (
      DELETE FROM deliveries
       WHERE id IN (SELECT id FROM doomed_deliveries) AND status NOT IN ('pending', 'parked', 'scheduled')
      RETURNING 1
    ),
    events AS (
      DELETE FROM events e USING doomed x
       WHERE e.workspace_id = x.workspace_id AND e.mode = x.mode AND e.id = x.id
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM events) AS events,
           (SELECT count(*) FROM deliveries) AS deliveries,
           (SELECT count(*) FROM attempts) AS attempts
  `.execute(db);
  const row = rows[0]!;
  return { events: Number(row.events), deliveries: Number(row.deliveries), attempts: Number(row.attempts) };
}

/** Deletes up to `limit` audit entries made before `before`; their ids start with their time, so the key serves. */
export async function deleteExpiredAuditEntries(db: Db, args: { before: Date; limit: number }): Promise<number> {
  const result = await sql`
    DELETE FROM audit_log WHERE id IN (
      SELECT id FROM audit_log WHERE id < ${idFloorAt('audit', args.before)} ORDER BY id LIMIT ${args.limit})
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
