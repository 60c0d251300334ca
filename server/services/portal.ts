import { TEST_SEND_OWNER } from '../../workflows/shared.js';
import type { Db } from '../db/database.js';
import { findEvents } from '../db/queries/events.js';
import { webhookActivity } from '../db/queries/webhook-activity.js';
import { findWorkspace } from '../db/queries/workspaces.js';
import type { Scope } from '../db/scope.js';
import type { SignatureProfile } from '../db/signature-profile.js';
import { isWildcard, patternMatches } from '../db/subscription-patterns.js';
import type { EventTypeRow } from '../db/tables/event-types.table.js';
import type { WebhookRow } from '../db/tables/webhooks.table.js';
import type { PortalSettings } from '../db/tables/workspaces.table.js';
import { DEFAULT_SIGNATURE_PROFILE } from '../delivery/signing.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { Actor } from './actor.js';
import { loadCatalog } from './catalog.js';
import { getDelivery } from './deliveries.js';
import {
  changeWebhook,
  createWebhook,
  type UpdateWebhookInput,
  webhookFieldIssues,
  type WebhookDeps,
  type WebhookWithSecret,
} from './webhooks.js';

/**
 * What the endpoint owners' portal needs beyond the services the main API uses. Every read and write goes through
 * the caller's scope, which names the session's owner: the queries narrow themselves to that owner's webhooks.
 */

type Issue = InvalidInputError['issues'][number];

/** The catalog's live event types owners may subscribe to: all of them, or those the workspace's patterns match. */
export async function portalEventTypes(deps: { db: Db }, scope: Scope, settings: PortalSettings) {
  const catalog = await loadCatalog(deps.db, scope.workspaceId);
  return [...catalog.types.values()]
    .filter((type) => !type.archived)
    .filter((type) => settings.eventTypes === null || settings.eventTypes.some((p) => patternMatches(p, type.name)))
    .sort((a, b) => a.name.localeCompare(b.name)) satisfies EventTypeRow[];
}

/**
 * Subscriptions beyond what the workspace lets owners subscribe to: an exact name must match an allowed pattern, a
 * wildcard must lie within one (`order.*` within `order.*` or `*`). The catalog's own rule is checked as for keys.
 */
function allowedIssues(settings: PortalSettings, events: string[] | undefined): Issue[] {
  const allowed = settings.eventTypes;
  if (allowed === null || events === undefined) return [];
  return events.flatMap((pattern, i) =>
    allowed.some((a) => patternMatches(a, pattern))
      ? []
      : [
          {
            path: ['events', String(i)],
            message: `${isWildcard(pattern) ? 'the wildcard' : 'the event type'} ${pattern} is not offered here; offered: ${allowed.join(', ') || 'none'}`,
          },
        ],
  );
}

async function checkPortalFields(
  deps: WebhookDeps,
  actor: Actor,
  settings: PortalSettings,
  fields: { url?: string | undefined; events?: string[] | undefined },
): Promise<void> {
  const issues = [...(await webhookFieldIssues(deps, actor, fields)), ...allowedIssues(settings, fields.events)];
  if (issues.length > 0) throw new InvalidInputError(issues);
}

/** A webhook of the session's owner (the service forces the owner), within the events the workspace offers. */
export async function createPortalWebhook(
  deps: WebhookDeps,
  actor: Actor,
  settings: PortalSettings,
  input: { url: string; events: string[]; name?: string | undefined },
): Promise<WebhookWithSecret> {
  await checkPortalFields(deps, actor, settings, input);
  return createWebhook(deps, actor, { ...input, active: true });
}

export async function changePortalWebhook(
  deps: WebhookDeps,
  actor: Actor,
  settings: PortalSettings,
  input: Pick<UpdateWebhookInput, 'id' | 'url' | 'events' | 'name'>,
): Promise<WebhookRow> {
  await checkPortalFields(deps, actor, settings, input);
  return changeWebhook(deps, actor, input);
}

export interface WebhookHealth {
  /** Of the last 24 hours' settled deliveries, the share that succeeded; null when none settled. */
  successRate: number | null;
  lastFailureAt: Date | null;
  lastFailureReason: string | null;
  deliveriesLast24h: number;
}

/** Each webhook's health at a glance, from its row and one query over its last day of deliveries (tests left out). */
export async function webhooksHealth(
  deps: { db: Db },
  scope: Scope,
  rows: WebhookRow[],
): Promise<Map<string, WebhookHealth>> {
  const activity = await webhookActivity(deps.db, scope, {
    webhookIds: rows.map((row) => row.id),
    since: new Date(Date.now() - 86_400_000),
    exceptOwner: TEST_SEND_OWNER,
  });
  return new Map(
    rows.map((row) => {
      const day = activity.get(row.id);
      const settled = (day?.succeeded ?? 0) + (day?.failed ?? 0);
      return [
        row.id,
        {
          successRate: settled > 0 ? day!.succeeded / settled : null,
          lastFailureAt: row.last_failure_at,
          lastFailureReason: day?.lastFailureReason ?? null,
          deliveriesLast24h: day?.total ?? 0,
        },
      ];
    }),
  );
}

/** How a webhook's deliveries are signed: its own profile, its workspace's, or Herald's default. */
export async function effectiveSignatureProfile(deps: { db: Db }, row: WebhookRow): Promise<SignatureProfile> {
  return (
    row.signature_profile ??
    (await findWorkspace(deps.db, row.workspace_id))?.signature_profile ??
    DEFAULT_SIGNATURE_PROFILE
  );
}

/** A delivery with its attempts and the event's payload, as the portal opens it. */
export async function getDeliveryWithPayload(deps: { db: Db }, scope: Scope, id: string) {
  const { delivery, attempts } = await getDelivery(deps, scope, id);
  const [event] = await findEvents(deps.db, scope, [delivery.event_id]);
  if (!event) throw new NotFoundError('Delivery', id);
  return { delivery, attempts, payload: JSON.parse(event.payloadJson) as unknown };
}
