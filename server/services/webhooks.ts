import type { TargetPolicy } from '../delivery/target-policy.js';
import type { Db } from '../db/database.js';
import type { WebhookRow } from '../db/tables/webhooks.table.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { newId } from '../db/ids.js';
import { findWebhook, insertWebhook, listWebhooks as queryWebhooks, updateWebhook } from '../db/queries/webhooks.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import { type Catalog, checkSubscriptions, loadCatalog } from './catalog.js';
import { fetchPage, type Page, type PageRequest } from './page.js';
import { generateWebhookSecret } from './webhook-secrets.js';

export interface WebhookDeps {
  db: Db;
  targetPolicy: TargetPolicy;
}

export interface CreateWebhookInput {
  name?: string | undefined;
  url: string;
  events: string[];
  active: boolean;
  description?: string | null | undefined;
  secret?: string | undefined;
}

/** What the audit log keeps of a webhook: everything but the secret, which it only notes changed. */
function snapshot(row: WebhookRow): Record<string, unknown> {
  return { name: row.name, url: row.url, events: row.events, active: row.active, description: row.description };
}

type Issue = InvalidInputError['issues'][number];

/** Why the endpoint policy refuses the URL, as an issue of the `url` field. */
function urlIssues(policy: TargetPolicy, url: string | undefined): Issue[] {
  const refused = url === undefined ? undefined : policy.refuseUrl(url);
  return refused ? [{ path: ['url'], message: refused }] : [];
}

/** Subscriptions the workspace's catalog does not allow, one issue per entry (`events.<index>`). */
function subscriptionIssues(catalog: Catalog, events: string[] | undefined): Issue[] {
  if (events === undefined) return [];
  try {
    checkSubscriptions(catalog, events);
    return [];
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues;
    throw error;
  }
}

/** All the issues found at once, so the caller learns of every invalid field in one answer. */
function throwIfAny(issues: Issue[]): void {
  if (issues.length > 0) throw new InvalidInputError(issues);
}

/**
 * What only the server can judge about a webhook's fields, all of it at once: the URL under the endpoint policy,
 * the subscriptions under the workspace's catalog. Either field may be absent. Creating and changing a webhook run
 * it; the API also runs it when the input's schema refuses some other field, so that every invalid field is
 * reported together.
 */
export async function webhookFieldIssues(
  deps: WebhookDeps,
  actor: Actor,
  fields: { url?: string | undefined; events?: string[] | undefined },
): Promise<Issue[]> {
  const issues = urlIssues(deps.targetPolicy, fields.url);
  if (fields.events !== undefined)
    issues.push(...subscriptionIssues(await loadCatalog(deps.db, actor.principal.workspaceId), fields.events));
  return issues;
}

export async function createWebhook(deps: WebhookDeps, actor: Actor, input: CreateWebhookInput): Promise<WebhookRow> {
  const { workspaceId, mode } = actor.principal;
  return deps.db.transaction().execute(async (trx) => {
    throwIfAny(await webhookFieldIssues({ ...deps, db: trx }, actor, input));
    const row = await insertWebhook(trx, {
      id: newId('webhook'),
      workspace_id: workspaceId,
      mode,
      name: input.name ?? new URL(input.url).host,
      url: input.url,
      events: input.events,
      active: input.active,
      description: input.description ?? null,
      secret: input.secret ?? generateWebhookSecret(),
    });
    await audit(trx, actor, {
      action: 'webhooks.create',
      entityType: 'webhook',
      entityId: row.id,
      after: snapshot(row),
    });
    return row;
  });
}

export async function getWebhook(deps: { db: Db }, actor: Actor, id: string): Promise<WebhookRow> {
  const row = await findWebhook(deps.db, actor.principal, id);
  if (!row) throw new NotFoundError('Webhook', id);
  return row;
}

export interface UpdateWebhookInput {
  id: string;
  name?: string | undefined;
  url?: string | undefined;
  events?: string[] | undefined;
  active?: boolean | undefined;
  description?: string | null | undefined;
}

/** An update that only switches `active` is audited as `webhooks.enable` or `webhooks.disable`. */
export async function changeWebhook(deps: WebhookDeps, actor: Actor, input: UpdateWebhookInput): Promise<WebhookRow> {
  const { id, ...changes } = input;
  return deps.db.transaction().execute(async (trx) => {
    const before = await findWebhook(trx, actor.principal, id);
    if (!before) throw new NotFoundError('Webhook', id);
    throwIfAny(await webhookFieldIssues({ ...deps, db: trx }, actor, changes));
    const after = (await updateWebhook(trx, actor.principal, id, changes))!;
    const onlyActive = Object.keys(changes).every((key) => key === 'active') && before.active !== after.active;
    const action = onlyActive ? (after.active ? 'webhooks.enable' : 'webhooks.disable') : 'webhooks.update';
    await audit(trx, actor, {
      action,
      entityType: 'webhook',
      entityId: id,
      before: snapshot(before),
      after: snapshot(after),
    });
    return after;
  });
}

export async function deleteWebhook(deps: { db: Db }, actor: Actor, id: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const before = await findWebhook(trx, actor.principal, id);
    if (!before) throw new NotFoundError('Webhook', id);
    // Kept, hidden, so its delivery history stays readable; pending retries stop at their next attempt.
    await updateWebhook(trx, actor.principal, id, { deleted_at: new Date(), active: false });
    await audit(trx, actor, {
      action: 'webhooks.delete',
      entityType: 'webhook',
      entityId: id,
      before: snapshot(before),
      after: null,
    });
  });
}

/** A new signing secret, generated or supplied; returned this once. Deliveries from now on are signed with it. */
export async function rotateWebhookSecret(
  deps: { db: Db },
  actor: Actor,
  input: { id: string; secret?: string | undefined },
): Promise<WebhookRow> {
  return deps.db.transaction().execute(async (trx) => {
    const before = await findWebhook(trx, actor.principal, input.id);
    if (!before) throw new NotFoundError('Webhook', input.id);
    const after = (await updateWebhook(trx, actor.principal, input.id, {
      secret: input.secret ?? generateWebhookSecret(),
    }))!;
    await audit(trx, actor, {
      action: 'webhooks.rotateSecret',
      entityType: 'webhook',
      entityId: input.id,
      before: { secret: before.secret },
      after: { secret: after.secret },
    });
    return after;
  });
}

/** The scope's webhooks, newest first. */
export async function listWebhooks(deps: { db: Db }, actor: Actor, request: PageRequest): Promise<Page<WebhookRow>> {
  return fetchPage(request, (limit) => queryWebhooks(deps.db, actor.principal, { cursor: request.cursor, limit }));
}
