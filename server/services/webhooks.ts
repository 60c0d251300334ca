import type { TargetPolicy } from '../delivery/target-policy.js';
import type { Db } from '../db/database.js';
import type { OrderingOnFailure, WebhookRow, WebhookUpdate } from '../db/tables/webhooks.table.js';
import { releaseBlockedKeys } from '../db/queries/delivery-order.js';
import { findWorkspace } from '../db/queries/workspaces.js';
import type { PayloadFilter } from '../db/payload-filter.js';
import type { SignatureProfile } from '../db/signature-profile.js';
import { headerNames, sealHeaders } from '../delivery/custom-headers.js';
import type { SecretBox } from '../delivery/secret-box.js';
import { DEFAULT_SIGNATURE_PROFILE } from '../delivery/signing.js';
import type { WorkflowGateway } from '../temporal/workflow-gateway.js';
import ms from 'ms';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { newId } from '../db/ids.js';
import { findWebhook, insertWebhook, listWebhooks as queryWebhooks, updateWebhook } from '../db/queries/webhooks.js';
import { dropRateBucket, rateWaits, writeRateBucket } from '../db/queries/rate-limits.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import { type Catalog, checkSubscriptions, filterFieldIssues, loadCatalog } from './catalog.js';
import { fetchPage, type Page, type PageRequest } from './page.js';
import { generateWebhookSecret } from './webhook-secrets.js';

export interface WebhookDeps {
  db: Db;
  targetPolicy: TargetPolicy;
  /** Seals secrets and custom header values before they are stored. */
  secrets: SecretBox;
}

export interface CreateWebhookInput {
  name?: string | undefined;
  url: string;
  events: string[];
  active: boolean;
  description?: string | null | undefined;
  /** The app's own customer the webhook belongs to; a portal session forces its own. */
  owner?: string | null | undefined;
  secret?: string | undefined;
  signatureProfile?: SignatureProfile | null | undefined;
  headers?: Record<string, string> | undefined;
  filter?: PayloadFilter | null | undefined;
  rateLimit?: RateLimitInput | null | undefined;
  orderingOnFailure?: OrderingOnFailure | undefined;
}

/** Deliveries per second, and how many may go at once (default: perSecond rounded up). */
export interface RateLimitInput {
  perSecond: number;
  burst?: number | undefined;
}

/**
 * The columns a rate limit is stored in; null removes it. Setting or removing a limit also ends any adaptive rate:
 * a configured limit replaces it, and without one the endpoint starts unlimited again (the bucket the adaptive
 * rate used goes with the limit's).
 */
function rateLimitColumns(limit: RateLimitInput | null) {
  return {
    rate_limit_per_second: limit?.perSecond ?? null,
    rate_limit_burst: limit ? (limit.burst ?? Math.ceil(limit.perSecond)) : null,
    adaptive_per_second: null,
    adaptive_since: null,
    adaptive_decreased_at: null,
  };
}

/** The bucket follows the webhook's limit, in the transaction that sets it. */
async function keepRateBucket(db: Db, row: WebhookRow): Promise<void> {
  if (row.rate_limit_burst === null) await dropRateBucket(db, row.id);
  else await writeRateBucket(db, row.id, row.rate_limit_burst);
}

/** A webhook as created or given a new secret: the secret is returned this once, in the clear. */
export interface WebhookWithSecret {
  row: WebhookRow;
  secret: string;
}

/** What the audit log keeps of a webhook: never its secret or header values, which it only notes changed. */
function snapshot(row: WebhookRow): Record<string, unknown> {
  return {
    name: row.name,
    url: row.url,
    events: row.events,
    active: row.active,
    description: row.description,
    owner: row.owner,
    paused: row.paused,
    disabledReason: row.disabled_reason,
    signatureProfile: row.signature_profile,
    headers: headerNames(row.custom_headers),
    filter: row.payload_filter,
    rateLimit:
      row.rate_limit_per_second === null ? null : { perSecond: row.rate_limit_per_second, burst: row.rate_limit_burst },
    orderingOnFailure: row.ordering_on_failure,
  };
}

/** Custom headers may not take the name of a signature header the webhook sends. */
function headerIssues(names: string[], profile: SignatureProfile): Issue[] {
  const signatureHeaders = new Set(
    profile.schemes.flatMap((scheme) => (scheme.type === 'hmac-sha256' ? [scheme.header.toLowerCase()] : [])),
  );
  return names
    .filter((name) => signatureHeaders.has(name.toLowerCase()))
    .map((name) => ({
      path: ['headers', name],
      message: 'is a signature header of this webhook; choose another name',
    }));
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
 * the subscriptions under the workspace's catalog, and the payload filter's fields under the schemas of the types
 * it receives (those given, or, on a change, the webhook's own: `id`). Any field may be absent. Creating and
 * changing a webhook run it; the API also runs it when the input's schema refuses some other field, so that every
 * invalid field is reported together.
 */
export async function webhookFieldIssues(
  deps: WebhookDeps,
  actor: Actor,
  fields: {
    id?: string | undefined;
    url?: string | undefined;
    events?: string[] | undefined;
    filter?: PayloadFilter | null | undefined;
  },
): Promise<Issue[]> {
  const issues = urlIssues(deps.targetPolicy, fields.url);
  if (fields.events === undefined && !fields.filter) return issues;
  const catalog = await loadCatalog(deps.db, actor.principal.workspaceId);
  if (fields.events !== undefined) issues.push(...subscriptionIssues(catalog, fields.events));
  if (fields.filter && catalog.enforced) {
    const subscriptions =
      fields.events ?? (fields.id ? (await findWebhook(deps.db, actor.principal, fields.id))?.events : undefined);
    if (subscriptions) issues.push(...filterFieldIssues(catalog, subscriptions, fields.filter));
  }
  return issues;
}

export async function createWebhook(
  deps: WebhookDeps,
  actor: Actor,
  input: CreateWebhookInput,
): Promise<WebhookWithSecret> {
  const { workspaceId, mode } = actor.principal;
  const secret = input.secret ?? generateWebhookSecret();
  return deps.db.transaction().execute(async (trx) => {
    const profile = input.signatureProfile ?? (await workspaceProfile(trx, workspaceId));
    throwIfAny([
      ...(await webhookFieldIssues({ ...deps, db: trx }, actor, input)),
      ...headerIssues(Object.keys(input.headers ?? {}), profile),
    ]);
    const row = await insertWebhook(trx, {
      id: newId('webhook'),
      workspace_id: workspaceId,
      mode,
      name: input.name ?? new URL(input.url).host,
      url: input.url,
      events: input.events,
      active: input.active,
      description: input.description ?? null,
      // A portal session creates webhooks for its own owner only.
      owner: actor.principal.owner ?? input.owner ?? null,
      secret: deps.secrets.seal(secret),
      signature_profile: input.signatureProfile ? JSON.stringify(input.signatureProfile) : null,
      custom_headers: input.headers ? sealHeaders(deps.secrets, input.headers) : null,
      payload_filter: input.filter ? JSON.stringify(input.filter) : null,
      ...rateLimitColumns(input.rateLimit ?? null),
      ordering_on_failure: input.orderingOnFailure ?? 'continue',
    });
    await keepRateBucket(trx, row);
    await audit(trx, actor, {
      action: 'webhooks.create',
      entityType: 'webhook',
      entityId: row.id,
      after: snapshot(row),
    });
    return { row, secret };
  });
}

/** The signature profile of the workspace's webhooks that have none of their own. */
async function workspaceProfile(db: Db, workspaceId: string): Promise<SignatureProfile> {
  return (await findWorkspace(db, workspaceId))?.signature_profile ?? DEFAULT_SIGNATURE_PROFILE;
}

export async function getWebhook(deps: { db: Db }, actor: Actor, id: string): Promise<WebhookRow> {
  const row = await findWebhook(deps.db, actor.principal, id);
  if (!row) throw new NotFoundError('Webhook', id);
  return row;
}

/**
 * A webhook and what waits for its rate limit, configured or adaptive: how many deliveries, and since when the
 * oldest. Read for every webhook (one read of a small partial index): deliveries queued under an adaptive rate
 * may still wait after it was released.
 */
export async function getWebhookWithBacklog(
  deps: { db: Db },
  actor: Actor,
  id: string,
): Promise<{ row: WebhookRow; waiting: number; oldestSince: Date | null }> {
  const row = await getWebhook(deps, actor, id);
  const [wait] = await rateWaits(deps.db, [row.id]);
  return { row, waiting: wait?.waiting ?? 0, oldestSince: wait?.oldestSince ?? null };
}

export interface UpdateWebhookInput {
  id: string;
  name?: string | undefined;
  url?: string | undefined;
  events?: string[] | undefined;
  active?: boolean | undefined;
  description?: string | null | undefined;
  owner?: string | null | undefined;
  signatureProfile?: SignatureProfile | null | undefined;
  headers?: Record<string, string> | null | undefined;
  filter?: PayloadFilter | null | undefined;
  rateLimit?: RateLimitInput | null | undefined;
  orderingOnFailure?: OrderingOnFailure | undefined;
}

/** An update that only switches `active` is audited as `webhooks.enable` or `webhooks.disable`. */
export async function changeWebhook(deps: WebhookDeps, actor: Actor, input: UpdateWebhookInput): Promise<WebhookRow> {
  const { id, signatureProfile, headers, filter, rateLimit, orderingOnFailure, ...changes } = input;
  // A portal session cannot hand a webhook to another owner.
  if (actor.principal.owner !== undefined && changes.owner !== undefined)
    throw InvalidInputError.at(['owner'], 'cannot be changed from the portal');
  return deps.db.transaction().execute(async (trx) => {
    const before = await findWebhook(trx, actor.principal, id);
    if (!before) throw new NotFoundError('Webhook', id);
    const profile =
      (signatureProfile === undefined ? before.signature_profile : signatureProfile) ??
      (await workspaceProfile(trx, actor.principal.workspaceId));
    // A new profile is checked against the headers the webhook keeps, too.
    const headerNamesAfter = headers === undefined ? headerNames(before.custom_headers) : Object.keys(headers ?? {});
    throwIfAny([
      // New subscriptions are checked against the filter the webhook keeps, too.
      ...(await webhookFieldIssues({ ...deps, db: trx }, actor, {
        ...changes,
        filter: filter === undefined && changes.events !== undefined ? before.payload_filter : filter,
        id,
      })),
      ...headerIssues(headerNamesAfter, profile),
    ]);
    const after = (await updateWebhook(trx, actor.principal, id, {
      ...changes,
      ...(signatureProfile !== undefined
        ? { signature_profile: signatureProfile ? JSON.stringify(signatureProfile) : null }
        : {}),
      ...(headers !== undefined ? { custom_headers: headers ? sealHeaders(deps.secrets, headers) : null } : {}),
      ...(filter !== undefined ? { payload_filter: filter ? JSON.stringify(filter) : null } : {}),
      ...(rateLimit !== undefined ? rateLimitColumns(rateLimit) : {}),
      ...(orderingOnFailure !== undefined ? { ordering_on_failure: orderingOnFailure } : {}),
    }))!;
    if (rateLimit !== undefined) await keepRateBucket(trx, after);
    // No longer blocking: the keys its failed deliveries held back go on (the reconciler wakes their workflows).
    if (before.ordering_on_failure === 'block' && after.ordering_on_failure === 'continue')
      await releaseBlockedKeys(trx, after.id);
    const onlyActive =
      Object.keys(changes).every((key) => key === 'active') &&
      filter === undefined &&
      rateLimit === undefined &&
      orderingOnFailure === undefined &&
      before.active !== after.active;
    const action = onlyActive ? (after.active ? 'webhooks.enable' : 'webhooks.disable') : 'webhooks.update';
    await auditChange(trx, actor, action, before, after);
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

/** The longest a rotated-out secret stays honoured. */
const MAX_GRACE_MS = 7 * 86_400_000;

/**
 * A new signing secret, generated or supplied; returned this once. The previous one stays honoured for the grace
 * period: Standard Webhooks deliveries carry a signature with each secret, and body-only signature headers keep the
 * previous secret until the owner switches them (`switchBodySignature`) or the period ends.
 */
export async function rotateWebhookSecret(
  deps: { db: Db; secrets: SecretBox },
  actor: Actor,
  input: { id: string; secret?: string | undefined; gracePeriod: string },
): Promise<WebhookWithSecret> {
  const graceMs = ms(input.gracePeriod as ms.StringValue);
  if (!Number.isFinite(graceMs) || graceMs > MAX_GRACE_MS)
    throw InvalidInputError.at(['gracePeriod'], 'must be at most 7d');
  const secret = input.secret ?? generateWebhookSecret();
  return deps.db.transaction().execute(async (trx) => {
    const before = await findWebhook(trx, actor.principal, input.id);
    if (!before) throw new NotFoundError('Webhook', input.id);
    const after = (await updateWebhook(trx, actor.principal, input.id, {
      secret: deps.secrets.seal(secret),
      previous_secret: graceMs > 0 ? before.secret : null,
      previous_secret_expires_at: graceMs > 0 ? new Date(Date.now() + graceMs) : null,
      body_signature_switched: false,
    }))!;
    await audit(trx, actor, {
      action: 'webhooks.rotateSecret',
      entityType: 'webhook',
      entityId: input.id,
      before: { secret: before.secret },
      after: { secret: after.secret, gracePeriod: input.gracePeriod },
    });
    return { row: after, secret };
  });
}

/**
 * The signing secret in the clear, asked for on purpose (the endpoint owners' portal offers it). Audited, without
 * the secret: the entry says who looked and when.
 */
export async function revealWebhookSecret(
  deps: { db: Db; secrets: SecretBox },
  actor: Actor,
  id: string,
): Promise<string> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await findWebhook(trx, actor.principal, id);
    if (!row) throw new NotFoundError('Webhook', id);
    await audit(trx, actor, {
      action: 'webhooks.revealSecret',
      entityType: 'webhook',
      entityId: id,
      after: { secretRevealed: true },
    });
    return deps.secrets.open(row.secret);
  });
}

/** Body-only signature headers switch to the new secret now, before the grace period ends. */
export async function switchBodySignature(deps: { db: Db }, actor: Actor, id: string): Promise<WebhookRow> {
  return setFlags(deps, actor, id, 'webhooks.switchBodySignature', { body_signature_switched: true });
}

/** Paused: deliveries are kept (parked) until `resumeWebhook`, bounded by count and age. */
export async function pauseWebhook(deps: { db: Db }, actor: Actor, id: string): Promise<WebhookRow> {
  return setFlags(deps, actor, id, 'webhooks.pause', { paused: true });
}

/** Resumed: its parked deliveries are sent, oldest first, at a bounded rate. */
export async function resumeWebhook(
  deps: { db: Db; workflows: WorkflowGateway },
  actor: Actor,
  id: string,
): Promise<WebhookRow> {
  const row = await setFlags(deps, actor, id, 'webhooks.resume', { paused: false });
  if (!row.disabled_reason && row.active) await deps.workflows.startDrain(actor.principal, id);
  return row;
}

/**
 * Enabled again after Herald disabled it (or its owner set it inactive): the failing clock starts afresh and its
 * parked deliveries are sent, oldest first, at a bounded rate.
 */
export async function enableWebhook(
  deps: { db: Db; workflows: WorkflowGateway },
  actor: Actor,
  id: string,
): Promise<WebhookRow> {
  const row = await setFlags(deps, actor, id, 'webhooks.enable', {
    active: true,
    disabled_reason: null,
    disabled_at: null,
    disabled_notified_at: null,
    consecutive_failures: 0,
    failing_since: null,
    failing_warned_at: null,
  });
  if (!row.paused) await deps.workflows.startDrain(actor.principal, id);
  return row;
}

async function setFlags(
  deps: { db: Db },
  actor: Actor,
  id: string,
  action: string,
  changes: WebhookUpdate,
): Promise<WebhookRow> {
  return deps.db.transaction().execute(async (trx) => {
    const before = await findWebhook(trx, actor.principal, id);
    if (!before) throw new NotFoundError('Webhook', id);
    const after = (await updateWebhook(trx, actor.principal, id, changes))!;
    await auditChange(trx, actor, action, before, after);
    return after;
  });
}

/** The scope's webhooks, newest first; only one owner's with `owner`. */
export async function listWebhooks(
  deps: { db: Db },
  actor: Actor,
  request: PageRequest & { owner?: string | undefined },
): Promise<Page<WebhookRow>> {
  return fetchPage(request, (limit) =>
    queryWebhooks(deps.db, actor.principal, { cursor: request.cursor, limit, owner: request.owner }),
  );
}

/** An audit entry for a change to one webhook, with its secrets redacted. */
function auditChange(trx: Db, actor: Actor, action: string, before: WebhookRow, after: WebhookRow): Promise<void> {
  return audit(trx, actor, {
    action,
    entityType: 'webhook',
    entityId: after.id,
    before: snapshot(before),
    after: snapshot(after),
  });
}
