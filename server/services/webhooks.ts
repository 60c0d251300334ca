import type { TargetPolicy } from '../../activities/http/target-policy.js';
import type { Db } from '../db/database.js';
import type { WebhookRow } from '../db/tables/webhooks.table.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { findWebhook, insertWebhook, softDeleteWebhook, updateWebhook } from '../repositories/webhooks.js';
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

export async function createWebhook(deps: WebhookDeps, input: CreateWebhookInput): Promise<WebhookRow> {
  checkUrl(deps.targetPolicy, input.url);
  return insertWebhook(deps.db, {
    id: newId('webhook'),
    name: input.name ?? new URL(input.url).host,
    url: input.url,
    events: input.events,
    active: input.active,
    description: input.description ?? null,
    secret: input.secret ?? generateWebhookSecret(),
  });
}

export async function getWebhook(deps: { db: Db }, id: string): Promise<WebhookRow> {
  const row = await findWebhook(deps.db, id);
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

export async function changeWebhook(deps: WebhookDeps, input: UpdateWebhookInput): Promise<WebhookRow> {
  const { id, ...changes } = input;
  if (changes.url !== undefined) checkUrl(deps.targetPolicy, changes.url);
  const row = await updateWebhook(deps.db, id, changes);
  if (!row) throw new NotFoundError('Webhook', id);
  return row;
}

export async function deleteWebhook(deps: { db: Db }, id: string): Promise<WebhookRow> {
  const row = await softDeleteWebhook(deps.db, id);
  if (!row) throw new NotFoundError('Webhook', id);
  return row;
}

function checkUrl(policy: TargetPolicy, url: string) {
  const refused = policy.refuseUrl(url);
  if (refused) throw new InvalidInputError(['url'], refused);
}
