/**
 * How the REST routes answer success where it is not `200` with the procedure's output. One table, read by the
 * REST plugin (`create-server.ts`) and by the OpenAPI document, so the two cannot disagree. tRPC callers are not
 * concerned: the tRPC protocol has no status codes.
 */

/** Deletions: `204 No Content`, no body. */
export const noContent = new Set(['webhooks.delete', 'apiKeys.revoke']);

/**
 * Creations: `201 Created`, with the new resource's path under `/v1` in `Location`. Publishing an event is not one:
 * an event has no route of its own to point at, and publishing is idempotent (the same id answers the first
 * publication again), so `POST /v1/events` keeps answering `200`; its deliveries are listed in the answer.
 */
export const created: Record<string, { what: string; path: string }> = {
  'webhooks.create': { what: 'webhook', path: '/webhooks/{id}' },
  'eventTypes.create': { what: 'event type', path: '/event-types/{name}' },
  'workspaces.create': { what: 'workspace', path: '/workspaces/{id}' },
  'apiKeys.create': { what: 'API key', path: '/api-keys/{id}' },
};

/** Creations with no route of their own to point at: `201 Created` without `Location`. */
export const createdWithoutLocation = new Set(['portal.createSession']);

/** The path of a created resource: its `created` path, with the fields of the procedure's output filled in. */
export function locationOf(path: string, output: Record<string, unknown>): string {
  return path.replace(/\{(\w+)\}/g, (_, field: string) => encodeURIComponent(String(output[field])));
}
