import type { IncomingMessage } from 'node:http';
import { ulid } from 'ulid';

/** The header a caller (or the proxy in front of Herald) names its request with; every answer carries it back. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Letters, digits and `.`, `_`, `:`, `-`, up to 128 characters: enough for UUIDs, ULIDs and most proxies' ids, and
 * nothing a log line or a header could be bent with.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id a request is known by in logs, error messages, audit entries and the workflows it starts: the caller's
 * `X-Request-Id` when it is sane, so one id follows a call through every system it crosses; otherwise Herald's own.
 * A caller's id only labels logs: it never names a workflow or a stored row, so a repeated one collides with nothing.
 */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : `req_${ulid()}`;
}
