import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { Scope } from '../scope.js';
import type { AttemptOutcome, AttemptTrigger } from '../tables/delivery-attempts.table.js';

/**
 * The reads behind the attempt stream (`server/services/attempt-stream.ts` explains the design). Completed
 * attempts are read in (completed_xid, id) order, and only up to the oldest transaction still running, so that no
 * attempt can commit behind the cursor: see the service.
 */

/** A position in the stream: every completed attempt with (completed_xid, id) ≤ (xid, attemptId) has been read. */
export interface StreamCursor {
  /** A transaction id (xid8), as a decimal string. */
  xid: string;
  /** `''` sorts before every id: the cursor then stands before everything transaction `xid` recorded. */
  attemptId: string;
}

export interface StreamFilter {
  webhookId?: string | undefined;
  outcomes?: AttemptOutcome[] | undefined;
  eventType?: string | undefined;
}

export interface StreamedAttemptRow {
  cursor: StreamCursor;
  attemptId: string;
  deliveryId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  attemptNumber: number;
  trigger: AttemptTrigger;
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
  requestedAt: Date;
  completedAt: Date;
}

export interface StreamPage {
  attempts: StreamedAttemptRow[];
  /** Where the next read starts: past every attempt scanned, or past every finished transaction if all were read. */
  next: StreamCursor;
  /** The scan stopped at its limit: more attempts are ready now. */
  more: boolean;
}

/**
 * Where a stream that starts now begins: before every transaction still running, so that an attempt being
 * recorded as the stream starts is not missed.
 */
export async function streamStart(db: Db): Promise<StreamCursor> {
  const { rows } = await sql<{ xid: string }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xid`.execute(db);
  return { xid: rows[0]!.xid, attemptId: '' };
}

/**
 * The completed attempts after `cursor`, up to `scanLimit` of them (of every workspace, through
 * `delivery_attempts_completed_xid_idx`), of which those of `scope` that pass `filter` are returned. Only attempts
 * whose transaction id is below the snapshot's xmin are read: every transaction below it has ended, so nothing can
 * still appear behind the cursor. The horizon and the scan share the statement's snapshot.
 */
export async function readAttemptStream(
  db: Db,
  scope: Scope,
  filter: StreamFilter,
  cursor: StreamCursor,
  scanLimit: number,
): Promise<StreamPage> {
  const conditions = [sql`d.workspace_id = ${scope.workspaceId}`, sql`d.mode = ${scope.mode}`];
  if (filter.webhookId) conditions.push(sql`d.webhook_id = ${filter.webhookId}`);
  if (filter.eventType) conditions.push(sql`d.event_type = ${filter.eventType}`);
  if (filter.outcomes?.length) conditions.push(sql`a.outcome = ANY(${filter.outcomes}::text[])`);
  const { rows } = await sql<{
    horizon: string;
    scanned: number;
    last_xid: string | null;
    last_id: string | null;
    attempts: Array<{
      xid: string;
      id: string;
      delivery_id: string;
      webhook_id: string;
      event_id: string;
      event_type: string;
      attempt_number: number;
      trigger: AttemptTrigger;
      outcome: AttemptOutcome;
      status_code: number | null;
      error: string | null;
      duration_ms: number | null;
      requested_ms: number;
      completed_ms: number;
    }> | null;
  }>`
    WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xid),
    scanned AS MATERIALIZED (
      SELECT a.completed_xid, a.id
        FROM delivery_attempts a
       WHERE a.completed_xid IS NOT NULL
         AND (a.completed_xid, a.id) > (${cursor.xid}::xid8, ${cursor.attemptId})
         AND a.completed_xid < (SELECT xid FROM horizon)
       ORDER BY a.completed_xid, a.id
       LIMIT ${scanLimit}
    ),
    last AS (SELECT completed_xid, id FROM scanned ORDER BY completed_xid DESC, id DESC LIMIT 1)
    SELECT (SELECT xid::text FROM horizon) AS horizon,
           (SELECT count(*)::int FROM scanned) AS scanned,
           (SELECT completed_xid::text FROM last) AS last_xid,
           (SELECT id FROM last) AS last_id,
           (SELECT json_agg(json_build_object(
                     'xid', s.completed_xid::text, 'id', a.id, 'delivery_id', a.delivery_id, 'webhook_id', d.webhook_id,
                     'event_id', d.event_id, 'event_type', d.event_type, 'attempt_number', a.attempt_number,
                     'trigger', a.trigger, 'outcome', a.outcome, 'status_code', a.status_code, 'error', a.error,
                     'duration_ms', a.duration_ms,
                     'requested_ms', floor(extract(epoch FROM a.requested_at) * 1000),
                     'completed_ms', floor(extract(epoch FROM a.completed_at) * 1000))
                   ORDER BY s.completed_xid, s.id)
              FROM scanned s
              JOIN delivery_attempts a ON a.id = s.id
              JOIN deliveries d ON d.id = a.delivery_id
             WHERE ${sql.join(conditions, sql` AND `)}) AS attempts
  `.execute(db);
  const row = rows[0]!;
  const more = row.scanned >= scanLimit;
  return {
    attempts: (row.attempts ?? []).map((a) => ({
      cursor: { xid: a.xid, attemptId: a.id },
      attemptId: a.id,
      deliveryId: a.delivery_id,
      webhookId: a.webhook_id,
      eventId: a.event_id,
      eventType: a.event_type,
      attemptNumber: a.attempt_number,
      trigger: a.trigger,
      outcome: a.outcome,
      statusCode: a.status_code,
      error: a.error,
      durationMs: a.duration_ms,
      requestedAt: new Date(Number(a.requested_ms)),
      completedAt: new Date(Number(a.completed_ms)),
    })),
    // A full scan resumes after its last row; otherwise every transaction below the horizon has been read.
    next:
      more && row.last_xid !== null && row.last_id !== null
        ? { xid: row.last_xid, attemptId: row.last_id }
        : laterOf(cursor, { xid: row.horizon, attemptId: '' }),
    more,
  };
}

/** The horizon never moves back, but a resumed cursor may stand past it (a transaction it saw has since ended). */
function laterOf(a: StreamCursor, b: StreamCursor): StreamCursor {
  const ax = BigInt(a.xid);
  const bx = BigInt(b.xid);
  if (ax !== bx) return ax > bx ? a : b;
  return a.attemptId >= b.attemptId ? a : b;
}
