import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { Scope } from '../scope.js';
import type { DisabledReason } from '../tables/webhooks.table.js';

/** A webhook Herald has something to say about: it is failing, or it disabled it. */
export interface EndpointNotice {
  webhookId: string;
  scope: Scope;
  url: string;
  failingSince: Date | null;
  lastFailureAt: Date | null;
  consecutiveFailures: number;
  disabledReason: DisabledReason | null;
  disabledAt: Date | null;
}

const noticeColumns = sql`id, workspace_id, mode, url, failing_since, last_failure_at, consecutive_failures, disabled_reason, disabled_at`;

type NoticeRow = {
  id: string;
  workspace_id: string;
  mode: Scope['mode'];
  url: string;
  failing_since: Date | null;
  last_failure_at: Date | null;
  consecutive_failures: number;
  disabled_reason: DisabledReason | null;
  disabled_at: Date | null;
};

const toNotice = (row: NoticeRow): EndpointNotice => ({
  webhookId: row.id,
  scope: { workspaceId: row.workspace_id, mode: row.mode },
  url: row.url,
  failingSince: row.failing_since,
  lastFailureAt: row.last_failure_at,
  consecutiveFailures: row.consecutive_failures,
  disabledReason: row.disabled_reason,
  disabledAt: row.disabled_at,
});

/** Disables every webhook whose deliveries have all failed for `afterMs`. */
export async function disableFailingWebhooks(db: Db, afterMs: number): Promise<number> {
  const result = await sql`
    UPDATE webhooks SET disabled_reason = 'failing', disabled_at = now(), updated_at = now()
     WHERE failing_since < now() - ${afterMs} * interval '1 ms' AND disabled_reason IS NULL AND active AND deleted_at IS NULL
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Webhooks failing for `afterMs` that Herald has not warned about in this failing spell. */
export async function webhooksToWarn(db: Db, afterMs: number, limit: number): Promise<EndpointNotice[]> {
  const { rows } = await sql<NoticeRow>`
    SELECT ${noticeColumns} FROM webhooks
     WHERE failing_since < now() - ${afterMs} * interval '1 ms' AND failing_warned_at IS NULL
       AND disabled_reason IS NULL AND active AND deleted_at IS NULL
     ORDER BY failing_since LIMIT ${limit}
  `.execute(db);
  return rows.map(toNotice);
}

/**
 * Records the warning; false when another sweep got there first (or the spell ended). The spell is matched to the
 * millisecond: Postgres keeps microseconds, the `Date` it was read into does not.
 */
export async function markWarned(db: Db, webhookId: string, failingSince: Date): Promise<boolean> {
  const result = await sql`
    UPDATE webhooks SET failing_warned_at = now() WHERE id = ${webhookId} AND date_trunc('milliseconds', failing_since) = ${failingSince} AND failing_warned_at IS NULL
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n) > 0;
}

/** Webhooks Herald disabled (gone, or failing) that it has not announced yet. */
export async function disabledUnannounced(db: Db, limit: number): Promise<EndpointNotice[]> {
  const { rows } = await sql<NoticeRow>`
    SELECT ${noticeColumns} FROM webhooks
     WHERE disabled_reason IS NOT NULL AND disabled_notified_at IS NULL AND deleted_at IS NULL
     ORDER BY disabled_at LIMIT ${limit}
  `.execute(db);
  return rows.map(toNotice);
}

export async function markAnnounced(db: Db, webhookId: string, disabledAt: Date): Promise<boolean> {
  const result = await sql`
    UPDATE webhooks SET disabled_notified_at = now() WHERE id = ${webhookId} AND date_trunc('milliseconds', disabled_at) = ${disabledAt} AND disabled_notified_at IS NULL
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n) > 0;
}

/** Ends the grace periods of rotated secrets that are over: the old secret is forgotten. */
export async function endExpiredRotations(db: Db): Promise<number> {
  const result = await sql`
    UPDATE webhooks SET previous_secret = NULL, previous_secret_expires_at = NULL, body_signature_switched = false
     WHERE previous_secret_expires_at <= now()
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Parked deliveries past the bounds become `discarded`, with the reason: those older than `maxAgeMs`, and per
 * webhook the oldest beyond the newest `maxCount`. Returns how many.
 */
export async function discardParkedBeyondBounds(
  db: Db,
  bounds: { maxAgeMs: number; maxCount: number },
): Promise<number> {
  const aged = await sql`
    UPDATE deliveries SET status = 'discarded', updated_at = now(),
           last_error = ${`discarded: parked longer than ${Math.round(bounds.maxAgeMs / 3_600_000)} h while the webhook was paused or disabled`}
     WHERE status = 'parked' AND created_at < now() - ${bounds.maxAgeMs} * interval '1 ms'
  `.execute(db);
  const crowded = await sql`
    WITH ranked AS (
      SELECT id, row_number() OVER (PARTITION BY webhook_id ORDER BY id DESC) AS newest FROM deliveries WHERE status = 'parked'
    )
    UPDATE deliveries d SET status = 'discarded', updated_at = now(),
           last_error = ${`discarded: more than ${bounds.maxCount} deliveries were parked for this webhook`}
      FROM ranked r WHERE d.id = r.id AND r.newest > ${bounds.maxCount}
  `.execute(db);
  return Number(aged.numAffectedRows ?? 0n) + Number(crowded.numAffectedRows ?? 0n);
}

/**
 * Reopens the oldest parked deliveries of a webhook, in publish order, as pending and owned by `owner` (the drain
 * workflow), due now; deliveries `owner` reopened before (an activity run again) come back first. Nothing is
 * reopened while the webhook is still paused or disabled.
 */
export async function reopenParked(
  db: Db,
  scope: Scope,
  args: { webhookId: string; owner: string; limit: number },
): Promise<Array<{ id: string; eventId: string; seriesStart: number }>> {
  const { rows } = await sql<{ id: string; event_id: string; series_start: number }>`
    WITH page AS (
      SELECT d.id FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE d.webhook_id = ${args.webhookId} AND d.workspace_id = ${scope.workspaceId} AND d.mode = ${scope.mode}
         AND (d.status = 'parked' OR (d.status = 'pending' AND d.workflow_id = ${args.owner}))
         AND w.active AND NOT w.paused AND w.disabled_reason IS NULL AND w.deleted_at IS NULL
       ORDER BY d.id LIMIT ${args.limit} FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE deliveries d SET status = 'pending', workflow_id = ${args.owner}, next_attempt_at = now(), updated_at = now()
      FROM page WHERE d.id = page.id
    RETURNING d.id, d.event_id, d.series_start
  `.execute(db);
  return rows
    .map((row) => ({ id: row.id, eventId: row.event_id, seriesStart: row.series_start }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}
