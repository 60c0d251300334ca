import type { TimestampField } from './signing.js';

/**
 * The event as a receiver gets it: `{ id, type, createdAt, data }`, plus `test: true` on test sends. The timestamp's
 * name follows the webhook's signature profile (`createdAt`, `created_at` or `timestamp`).
 */
export interface EventEnvelope {
  id: string;
  type: string;
  createdAt: string;
  data: unknown;
  test?: true;
}

/**
 * The exact bytes sent and signed. They equal `JSON.stringify(envelope)` (so receivers that re-serialise the parsed
 * body, as common Express handlers do, compute the same signature), but are assembled around the payload text
 * as stored, which is already `JSON.stringify` output, so large payloads are never parsed and re-serialised.
 */
export function serializeEnvelope(
  event: { id: string; type: string; createdAt: Date; payloadJson: string; test?: boolean },
  timestampField: TimestampField = 'createdAt',
): string {
  return `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"${timestampField}":${JSON.stringify(
    event.createdAt.toISOString(),
  )},"data":${event.payloadJson}${event.test ? ',"test":true' : ''}}`;
}
