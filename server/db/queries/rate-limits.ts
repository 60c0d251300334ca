import { sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * The token buckets of rate-limited webhooks (`webhook_rate_buckets`, one row per webhook) and the deliveries that
 * wait for a token. Tokens are taken in the statement that starts attempts (`beginAttempts`); this file writes
 * the bucket when a limit is set and reads the backlog.
 */

/** A new or changed limit: the bucket starts full, or keeps its tokens (at most the new burst) if it exists. */
export async function writeRateBucket(db: Db, webhookId: string, burst: number): Promise<void> {
  await sql`
    INSERT INTO webhook_rate_buckets (webhook_id, tokens) VALUES (${webhookId}, ${burst})
    ON CONFLICT (webhook_id) DO UPDATE SET tokens = least(webhook_rate_buckets.tokens, excluded.tokens)
  `.execute(db);
}

/** The limit is gone: so is its bucket. Deliveries waiting for a token go at their wake-up time, unhindered. */
export async function dropRateBucket(db: Db, webhookId: string): Promise<void> {
  await sql`DELETE FROM webhook_rate_buckets WHERE webhook_id = ${webhookId}`.execute(db);
}

export interface RateWait {
  webhookId: string;
  /** Deliveries waiting for a token. */
  waiting: number;
  /** Since when the oldest of them waits. */
  oldestSince: Date;
}

/**
 * Deliveries that wait for a token, per webhook (all webhooks, or those given), from the partial index on waiting
 * deliveries: a read never touches the delivery history.
 */
export async function rateWaits(db: Db, webhookIds?: string[]): Promise<RateWait[]> {
  const only = webhookIds ? sql`AND webhook_id = ANY(${webhookIds}::text[])` : sql``;
  const { rows } = await sql<{ webhook_id: string; waiting: string; oldest: Date }>`
    SELECT webhook_id, count(*) AS waiting, min(rate_waiting_since) AS oldest
      FROM deliveries
     WHERE rate_waiting_since IS NOT NULL AND status = 'pending' ${only}
     GROUP BY webhook_id
  `.execute(db);
  return rows.map((r) => ({ webhookId: r.webhook_id, waiting: Number(r.waiting), oldestSince: r.oldest }));
}
