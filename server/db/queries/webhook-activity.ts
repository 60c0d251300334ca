import { sql } from 'kysely';
import type { Db } from '../database.js';
import { idFloorAt } from '../ids.js';
import type { Scope } from '../scope.js';
import { deliveriesInScope } from './filters.js';

export interface WebhookActivity {
  total: number;
  succeeded: number;
  failed: number;
  /** Of the latest delivery whose last attempt failed: its error, or its HTTP status. */
  lastFailureReason: string | null;
}

/**
 * What each webhook's deliveries created since `since` came to, in one query: the id floor of `since` keeps it on
 * `deliveries_webhook_idx`. Deliveries owned by `exceptOwner` (test sends) are left out.
 */
export async function webhookActivity(
  db: Db,
  scope: Scope,
  args: { webhookIds: string[]; since: Date; exceptOwner: string },
): Promise<Map<string, WebhookActivity>> {
  if (args.webhookIds.length === 0) return new Map();
  const { rows } = await sql<{
    webhook_id: string;
    total: string;
    succeeded: string;
    failed: string;
    last_failure_reason: string | null;
  }>`
    SELECT webhook_id,
           count(*) AS total,
           count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           (array_agg(coalesce(last_error, 'HTTP ' || last_status_code) ORDER BY updated_at DESC)
              FILTER (WHERE status <> 'succeeded' AND (last_error IS NOT NULL OR last_status_code IS NOT NULL)))[1]
             AS last_failure_reason
      FROM deliveries
     WHERE ${deliveriesInScope(scope)}
       AND webhook_id = ANY(${args.webhookIds}::text[])
       AND id >= ${idFloorAt('delivery', args.since)} AND created_at >= ${args.since}
       AND workflow_id IS DISTINCT FROM ${args.exceptOwner}
     GROUP BY webhook_id`.execute(db);
  return new Map(
    rows.map((row) => [
      row.webhook_id,
      {
        total: Number(row.total),
        succeeded: Number(row.succeeded),
        failed: Number(row.failed),
        lastFailureReason: row.last_failure_reason,
      },
    ]),
  );
}
