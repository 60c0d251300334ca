import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { DeliveryStatus } from '../tables/deliveries.table.js';

/**
 * Ordering keys in Postgres: deliveries of one key to one webhook take turns. Publishing numbers them and queues
 * all but the one whose turn it is; a trigger passes the turn as each settles (see the ordering-keys migration);
 * these queries tell workflows whose turn it is and let an operator skip a delivery that holds its key back.
 */

export interface KeyedDelivery {
  id: string;
  webhookId: string;
  orderingKey: string;
}

/**
 * Numbers just-created deliveries of keyed events within their (webhook, key), in the order given (publish order),
 * after those published before; the first takes the turn if no delivery of its key is waiting, every other one is
 * `queued`. One statement; it locks the key's head row until the transaction ends, which is what orders concurrent
 * publishers and lets the trigger that passes a turn see every delivery queued behind it. Heads are locked in
 * (webhook, key) order, so two publishing transactions never deadlock on them.
 */
export async function queueInOrder(
  db: Db,
  deliveries: KeyedDelivery[],
): Promise<Map<string, { status: DeliveryStatus; orderingSeq: string }>> {
  if (deliveries.length === 0) return new Map();
  const { rows } = await sql<{ id: string; status: DeliveryStatus; ordering_seq: string }>`
    WITH given AS (
      SELECT * FROM unnest(${deliveries.map((d) => d.id)}::text[], ${deliveries.map((d) => d.webhookId)}::text[],
                           ${deliveries.map((d) => d.orderingKey)}::text[]) WITH ORDINALITY AS g(id, webhook_id, ordering_key, n)
    ),
    numbered AS (
      SELECT g.*, row_number() OVER (PARTITION BY webhook_id, ordering_key ORDER BY n) AS nth,
             count(*) OVER (PARTITION BY webhook_id, ordering_key) AS total
        FROM given g
    ),
    head AS (
      INSERT INTO delivery_order_heads AS h (webhook_id, ordering_key, last_seq, turn)
      SELECT webhook_id, ordering_key, total, id FROM numbered WHERE nth = 1 ORDER BY webhook_id, ordering_key
      ON CONFLICT (webhook_id, ordering_key) DO UPDATE
         SET last_seq = h.last_seq + EXCLUDED.last_seq, turn = coalesce(h.turn, EXCLUDED.turn), updated_at = now()
      RETURNING webhook_id, ordering_key, last_seq, turn
    )
    UPDATE deliveries d
       SET ordering_key = n.ordering_key, ordering_seq = h.last_seq - n.total + n.nth,
           status = CASE WHEN h.turn = n.id THEN d.status ELSE 'queued' END,
           next_attempt_at = CASE WHEN h.turn = n.id THEN d.next_attempt_at END
      FROM numbered n JOIN head h ON h.webhook_id = n.webhook_id AND h.ordering_key = n.ordering_key
     WHERE d.id = n.id
    RETURNING d.id, d.status, d.ordering_seq::text AS ordering_seq`.execute(db);
  return new Map(rows.map((row) => [row.id, { status: row.status, orderingSeq: row.ordering_seq }]));
}

/** A delivery whose turn has come, and the workflow that waits to attempt it. */
export interface TurnHolder {
  deliveryId: string;
  workflowId: string;
}

/**
 * For the keys of the given deliveries that have settled: the delivery whose turn it now is, where it is pending and
 * owned by a workflow. Whoever settled a delivery tells that workflow (a signal); the
 * turn itself already passed in Postgres, so telling it twice, or late, does no harm.
 */
export async function findTurnHolders(db: Db, deliveryIds: string[]): Promise<TurnHolder[]> {
  if (deliveryIds.length === 0) return [];
  const { rows } = await sql<{ id: string; workflow_id: string }>`
    SELECT DISTINCT t.id, t.workflow_id
      FROM deliveries s
      JOIN delivery_order_heads h ON h.webhook_id = s.webhook_id AND h.ordering_key = s.ordering_key
      JOIN deliveries t ON t.id = h.turn
     WHERE s.id = ANY(${deliveryIds}::text[]) AND s.ordering_key IS NOT NULL
       AND s.status IN ('succeeded', 'failed', 'discarded', 'cancelled')
       AND t.id <> s.id AND t.status = 'pending' AND t.workflow_id IS NOT NULL`.execute(db);
  return rows.map((row) => ({ deliveryId: row.id, workflowId: row.workflow_id }));
}

/**
 * Whether a failed delivery holds its key back (its webhook blocks on failure, and the turn is still its own). With
 * `lock`, the key's head stays locked until the transaction ends, so a skip and a concurrent skip or retry go one
 * after the other.
 */
export async function holdsTurn(db: Db, deliveryId: string, options: { lock?: boolean } = {}): Promise<boolean> {
  const { rows } = await sql<{ webhook_id: string }>`
    SELECT h.webhook_id FROM deliveries d
      JOIN delivery_order_heads h ON h.webhook_id = d.webhook_id AND h.ordering_key = d.ordering_key
     WHERE d.id = ${deliveryId} AND h.turn = d.id AND d.status IN ('failed', 'discarded')
     ${options.lock ? sql`FOR UPDATE OF h` : sql``}`.execute(db);
  return rows.length > 0;
}

/**
 * The deliveries among `ids` that hold their key back: failed or discarded, and the turn still theirs. One query for
 * a page of the delivery log; unordered deliveries never match the join.
 */
export async function blockingAmong(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set<string>();
  const { rows } = await sql<{ id: string }>`
    SELECT d.id FROM deliveries d
      JOIN delivery_order_heads h ON h.webhook_id = d.webhook_id AND h.ordering_key = d.ordering_key
     WHERE d.id = ANY(${ids}::text[]) AND d.ordering_key IS NOT NULL AND h.turn = d.id
       AND d.status IN ('failed', 'discarded')`.execute(db);
  return new Set(rows.map((row) => row.id));
}

/**
 * Skips a failed delivery that holds its key back (check with `holdsTurn` in the same transaction): the turn passes
 * to the key's next queued delivery, as if this one had succeeded. Returns that delivery's id, if there is one.
 */
export async function skipTurn(
  db: Db,
  delivery: { id: string; webhookId: string; orderingKey: string },
): Promise<string | null> {
  const { rows } = await sql<{ next_id: string | null }>`
    SELECT herald_pass_turn(${delivery.webhookId}, ${delivery.orderingKey}, ${delivery.id}) AS next_id`.execute(db);
  return rows[0]?.next_id ?? null;
}

/**
 * Passes on every turn that a failed delivery of the webhook holds (it stopped blocking on failure): each key's next
 * queued delivery becomes pending. Returns how many keys went on.
 */
export async function releaseBlockedKeys(db: Db, webhookId: string): Promise<number> {
  const { rows } = await sql<{ released: string }>`
    SELECT count(herald_pass_turn(h.webhook_id, h.ordering_key, h.turn))::text AS released
      FROM delivery_order_heads h JOIN deliveries d ON d.id = h.turn
     WHERE h.webhook_id = ${webhookId} AND d.status IN ('failed', 'discarded')`.execute(db);
  return Number(rows[0]?.released ?? 0);
}
