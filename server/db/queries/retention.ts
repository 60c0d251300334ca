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
  // A failed delivery that blocks its ordering key is kept however old: it is what an operator retries or skips.
  const holdsTurn = sql`(d.ordering_key IS NOT NULL AND EXISTS (
    SELECT 1 FROM delivery_order_heads h WHERE h.webhook_id = d.webhook_id AND h.ordering_key = d.ordering_key AND h.turn = d.id))`;
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
                  AND (d.status IN ('pending', 'parked', 'scheduled', 'queued') OR ${holdsTurn}))
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
       WHERE id IN (SELECT id FROM doomed_deliveries) AND status NOT IN ('pending', 'parked', 'scheduled', 'queued')
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

export interface DroppedPayloads {
  events: number;
  /** Attempts whose response excerpt was dropped with their event's payload. */
  attempts: number;
}

/**
 * Drops the payload of up to `limit` events past their workspace's payload window (or `defaultMs`, never longer than
 * the workspace's full window), and the response excerpts of their attempts, in one statement. The rows stay: the
 * event's id, type and time, every delivery's status and every attempt's timing, status code and error remain until
 * the full window deletes them. An event with a delivery still pending or parked keeps its payload, as it has yet
 * to be sent. The walk follows `events_payload_kept_idx`, so dropped payloads are never stepped over again.
 *
 * A delivery retried by hand while the statement runs is no risk: the retry refuses an event without payload, and
 * an attempt that finds the payload gone settles its delivery as failed without sending (`beginAttempts`).
 */
export async function dropExpiredPayloads(
  db: Db,
  args: { defaultMs: number; eventsDefaultMs: number; limit: number },
): Promise<DroppedPayloads> {
  const { rows } = await sql<{ events: string; attempts: string }>`
    WITH doomed AS (
      SELECT e.workspace_id, e.mode, e.id
        FROM workspaces w
        CROSS JOIN (VALUES ('live'), ('test')) AS m (mode)
        CROSS JOIN LATERAL (
          SELECT e.workspace_id, e.mode, e.id FROM events e
           WHERE e.workspace_id = w.id AND e.mode = m.mode AND e.payload IS NOT NULL
             AND e.created_at < now() - least(
                   coalesce(w.payload_retention_days * 86400000::bigint, ${args.defaultMs}),
                   coalesce(w.retention_days * 86400000::bigint, ${args.eventsDefaultMs})) * interval '1 ms'
             AND NOT EXISTS (
               SELECT 1 FROM deliveries d
                WHERE d.workspace_id = e.workspace_id AND d.mode = e.mode AND d.event_id = e.id
                  AND d.status IN ('pending', 'parked', 'queued'))
           ORDER BY e.created_at
           LIMIT ${args.limit}
        ) AS e
       LIMIT ${args.limit}
    ),
    attempts AS (
      UPDATE delivery_attempts a SET response_excerpt = NULL
        FROM deliveries d JOIN doomed x ON d.workspace_id = x.workspace_id AND d.mode = x.mode AND d.event_id = x.id
       WHERE a.delivery_id = d.id AND a.response_excerpt IS NOT NULL
      RETURNING 1
    ),
    events AS (
      UPDATE events e SET payload = NULL FROM doomed x
       WHERE e.workspace_id = x.workspace_id AND e.mode = x.mode AND e.id = x.id
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM attempts) AS attempts
  `.execute(db);
  const row = rows[0]!;
  return { events: Number(row.events), attempts: Number(row.attempts) };
}

/** Deletes up to `limit` audit entries made before `before`; their ids start with their time, so the key serves. */
export async function deleteExpiredAuditEntries(db: Db, args: { before: Date; limit: number }): Promise<number> {
  const result = await sql`
    DELETE FROM audit_log WHERE id IN (
      SELECT id FROM audit_log WHERE id < ${idFloorAt('audit', args.before)} ORDER BY id LIMIT ${args.limit})
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Forgets up to `limit` ordering keys that nothing waits on and that saw no event since `before`: a later event of
 * the key starts its numbering afresh, which is safe as no delivery of the key is left waiting.
 */
export async function deleteIdleOrderingKeys(db: Db, args: { before: Date; limit: number }): Promise<number> {
  const result = await sql`
    DELETE FROM delivery_order_heads WHERE (webhook_id, ordering_key) IN (
      SELECT webhook_id, ordering_key FROM delivery_order_heads
       WHERE turn IS NULL AND updated_at < ${args.before} LIMIT ${args.limit})
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
