import type { TargetPolicy } from '../delivery/target-policy.js';
import type { Db } from '../db/database.js';
import type { WebhookRow } from '../db/tables/webhooks.table.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { newId } from '../db/ids.js';
import { findWebhook, insertWebhook, listWebhooks as queryWebhooks, updateWebhook } from '../db/queries/webhooks.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import { checkSubscriptions, loadCatalog } from './catalog.js';
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

export async function createWebhook(deps: WebhookDeps, actor: Actor, input: CreateWebhookInput): Promise<WebhookRow> {
  checkUrl(deps.targetPolicy, input.url);
  const { workspaceId, mode } = actor.principal;
  return deps.db.transaction().execute(async (trx) => {
    checkSubscriptions(await loadCatalog(trx, workspaceId), input.events);
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
  if (changes.url !== undefined) checkUrl(deps.targetPolicy, changes.url);
  return deps.db.transaction().execute(async (trx) => {
    const before = await findWebhook(trx, actor.principal, id);
    if (!before) throw new NotFoundError('Webhook', id);
    if (changes.events) checkSubscriptions(await loadCatalog(trx, actor.principal.workspaceId), changes.events);
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

function checkUrl(policy: TargetPolicy, url: string) {
  const refused = policy.refuseUrl(url);
  if (refused) throw InvalidInputError.at(['url'], refused);
}

/** The scope's webhooks, newest first. */
export async function listWebhooks(deps: { db: Db }, actor: Actor, request: PageRequest): Promise<Page<WebhookRow>> {
  return fetchPage(request, (limit) => queryWebhooks(deps.db, actor.principal, { cursor: request.cursor, limit }));
}
