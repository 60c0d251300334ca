import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/database.js';
import {
  readAttemptStream,
  streamStart,
  type StreamCursor,
  type StreamedAttemptRow,
  type StreamFilter,
} from '../db/queries/attempt-stream.js';
import type { Scope } from '../db/scope.js';
import { InvalidInputError } from '../errors.js';

/**
 * The attempt stream behind `deliveries.tail` and `GET /v1/deliveries/tail`: every attempt of a workspace as it
 * completes, each exactly once, resumable from the id of the last one received.
 *
 * Why not `completed_at > cursor`: `completed_at` is the time the recording transaction started, and transactions
 * commit out of order, so an attempt can become visible after a later one was streamed, with an earlier time, and a
 * time cursor would step over it for good. A look-back window only narrows that hole (a commit later than the window
 * is still lost), and a resumed client could not say which attempts of the window it already had.
 *
 * So the stream orders attempts by the transaction that recorded their outcome (`completed_xid`, stamped by a
 * trigger, `pg_current_xact_id()`), and reads only below the oldest transaction still running (the snapshot's
 * xmin). Every transaction below that horizon has ended, and any transaction that starts later gets a larger id, so
 * once the cursor passes a point nothing can ever appear behind it: no gap. Reads follow (completed_xid, id)
 * strictly, so nothing is read twice: no duplicate. The cursor is the event id (`<xid>-<attempt id>` of the last
 * attempt sent), and a client that reconnects with it resumes exactly there. The cost: an attempt is streamed only
 * once every transaction older than its own has ended, so a long transaction anywhere in the cluster holds the
 * stream back for as long as it runs (Herald's own transactions last milliseconds; a publish waits on the
 * workflow engine at most its connection timeout).
 *
 * An attempt whose recorded outcome changes later (marked `interrupted`, then its late result arrives) is stamped
 * again and streamed again with its final outcome, under a new event id.
 *
 * Polling, every POLL_INTERVAL_MS, is one indexed range read of at most SCAN_LIMIT attempts past the cursor (of
 * every workspace, filtered to the caller's after the scan): cheap when idle, bounded when busy, and a full scan
 * is followed at once by the next.
 */
const POLL_INTERVAL_MS = 250;
const SCAN_LIMIT = 500;

const EVENT_ID = /^(0|[1-9]\d{0,19})-(att_[0-9A-Z]{26})$/;

export type AttemptStreamFilter = StreamFilter;

export interface StreamedAttempt {
  /** The event id: where a client that saw this attempt last resumes. */
  eventId: string;
  attempt: StreamedAttemptRow;
}

export function attemptEventId(cursor: StreamCursor): string {
  return `${cursor.xid}-${cursor.attemptId}`;
}

function cursorOf(eventId: string): StreamCursor {
  const match = EVENT_ID.exec(eventId);
  // A transaction id is an unsigned 64-bit number without leading zeros: Postgres refuses anything else.
  if (!match || BigInt(match[1]!) >= 2n ** 64n)
    throw InvalidInputError.at(['lastEventId'], 'must be the id of an event this stream sent, such as 7421-att_01M8…');
  return { xid: match[1]!, attemptId: match[2]! };
}

/**
 * Opens the stream of the completed attempts of `scope` that pass `filter`, as they complete, until `signal`
 * aborts (the client left, or the server is stopping). With `lastEventId`, it starts right after that attempt;
 * otherwise with the attempts that complete from now on. The starting point is fixed before this resolves, so a
 * client told the stream is open misses nothing that completes afterwards.
 */
export async function openAttemptStream(
  deps: { db: Db },
  scope: Scope,
  filter: AttemptStreamFilter,
  options: { lastEventId?: string | null | undefined; signal: AbortSignal; pollIntervalMs?: number },
): Promise<AsyncGenerator<StreamedAttempt>> {
  const start = options.lastEventId ? cursorOf(options.lastEventId) : await streamStart(deps.db);
  return follow(deps.db, scope, filter, start, options.signal, options.pollIntervalMs ?? POLL_INTERVAL_MS);
}

async function* follow(
  db: Db,
  scope: Scope,
  filter: AttemptStreamFilter,
  start: StreamCursor,
  signal: AbortSignal,
  pollIntervalMs: number,
): AsyncGenerator<StreamedAttempt> {
  let cursor = start;
  while (!signal.aborted) {
    const page = await readAttemptStream(db, scope, filter, cursor, SCAN_LIMIT);
    for (const attempt of page.attempts) {
      if (signal.aborted) return;
      yield { eventId: attemptEventId(attempt.cursor), attempt };
    }
    cursor = page.next;
    if (page.more) continue;
    try {
      await sleep(pollIntervalMs, undefined, { signal });
    } catch {
      return;
    }
  }
}
