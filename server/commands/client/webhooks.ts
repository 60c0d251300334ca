import type { HeraldClient } from '../../../client/index.js';
import { type ConnectionFlags, connect, jsonOption, UsageError } from './connection.js';
import type { Output } from './output.js';

type Json = ConnectionFlags & { json?: boolean };
type Webhook = Awaited<ReturnType<HeraldClient['webhooks']['update']['mutate']>>;
type WebhookDetail = Awaited<ReturnType<HeraldClient['webhooks']['get']['query']>>;

export interface CreateWebhookFlags extends Json {
  url: string;
  events: string;
  secret?: string;
  name?: string;
  /** A payload filter: JSON, or @file.json. */
  filter?: string;
  rateLimit?: string;
  onOrderingFailure?: string;
}

/** `herald webhooks create`: registers a webhook and prints its id and secret (shown this once). */
export async function createWebhookCommand(flags: CreateWebhookFlags, out: Output): Promise<number> {
  const { client } = connect(flags);
  const created = await client.webhooks.create.mutate({
    url: flags.url,
    events: list(flags.events),
    ...(flags.secret ? { secret: flags.secret } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    // The server checks the filter and names every invalid part; the CLI only reads the JSON.
    ...(flags.filter ? { filter: (await jsonOption('--filter', flags.filter)) as never } : {}),
    ...(flags.rateLimit !== undefined ? { rateLimit: rateLimit(flags.rateLimit) } : {}),
    ...(flags.onOrderingFailure !== undefined ? { orderingOnFailure: orderingOnFailure(flags.onOrderingFailure) } : {}),
  });
  if (flags.json) out.json(created);
  else {
    out.print(`created ${created.id} → ${created.url} (${created.events.join(', ')})`);
    if (created.filter) out.print(`filter: ${JSON.stringify(created.filter)}`);
    out.print(`secret: ${out.colour.bold(created.secret)}   (shown only now: store it)`);
  }
  return 0;
}

/** `herald webhooks list`: one row per webhook, with its state. */
export async function listWebhooksCommand(flags: Json, out: Output): Promise<number> {
  const { client } = connect(flags);
  const webhooks = [];
  for (let cursor: string | undefined; ;) {
    const page = await client.webhooks.list.query({ ...(cursor ? { cursor } : {}), limit: 100 });
    webhooks.push(...page.data);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  if (flags.json) out.json(webhooks);
  else
    out.table(
      ['ID', 'STATE', 'URL', 'EVENTS', 'NAME'],
      webhooks.map((hook) => [hook.id, out.state(stateOf(hook)), hook.url, hook.events.join(','), hook.name]),
    );
  return 0;
}

/** `herald webhooks get <id>`: every field of one webhook but its secret, which is never shown again. */
export async function getWebhookCommand(id: string, flags: Json, out: Output): Promise<number> {
  const { client } = connect(flags);
  const hook = await client.webhooks.get.query({ id });
  if (flags.json) out.json(hook);
  else out.details(describe(hook, out));
  return 0;
}

export interface UpdateWebhookFlags extends Json {
  url?: string;
  events?: string;
  name?: string;
  description?: string;
  active?: 'true' | 'false';
  header?: string[];
  clearHeaders?: boolean;
  signatureProfile?: string;
  filter?: string;
  clearFilter?: boolean;
  rateLimit?: string;
  onOrderingFailure?: string;
}

/** `herald webhooks update <id>`: changes the fields given, keeps the others. */
export async function updateWebhookCommand(id: string, flags: UpdateWebhookFlags, out: Output): Promise<number> {
  if (flags.header && flags.clearHeaders) throw new UsageError('--header and --clear-headers do not go together');
  if (flags.filter && flags.clearFilter) throw new UsageError('--filter and --clear-filter do not go together');
  const changes = {
    ...(flags.url !== undefined ? { url: flags.url } : {}),
    ...(flags.events !== undefined ? { events: list(flags.events) } : {}),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.description !== undefined ? { description: flags.description === '' ? null : flags.description } : {}),
    ...(flags.active !== undefined ? { active: flags.active === 'true' } : {}),
    ...(flags.header ? { headers: headers(flags.header) } : {}),
    ...(flags.clearHeaders ? { headers: null } : {}),
    ...(flags.filter ? { filter: (await jsonOption('--filter', flags.filter)) as never } : {}),
    ...(flags.clearFilter ? { filter: null } : {}),
    ...(flags.rateLimit !== undefined ? { rateLimit: rateLimit(flags.rateLimit) } : {}),
    ...(flags.onOrderingFailure !== undefined ? { orderingOnFailure: orderingOnFailure(flags.onOrderingFailure) } : {}),
    ...(flags.signatureProfile !== undefined
      ? {
          signatureProfile:
            flags.signatureProfile === 'workspace'
              ? null
              : ((await jsonOption('--signature-profile', flags.signatureProfile)) as never),
        }
      : {}),
  };
  if (Object.keys(changes).length === 0)
    throw new UsageError('nothing to update: pass at least one of --url, --events, --name, --description, --active…');
  const { client } = connect(flags);
  const hook = await client.webhooks.update.mutate({ id, ...changes });
  if (flags.json) out.json(hook);
  else out.print(`updated ${hook.id} (${Object.keys(changes).join(', ')}); herald webhooks get ${hook.id} shows it`);
  return 0;
}

/** `herald webhooks delete <id>`: no prompt, for scripts; the help says it cannot be undone. */
export async function deleteWebhookCommand(id: string, flags: Json, out: Output): Promise<number> {
  const { client } = connect(flags);
  const deleted = await client.webhooks.delete.mutate({ id });
  if (flags.json) out.json(deleted);
  else out.print(`deleted ${id}; its deliveries stay in the log (herald deliveries list --webhook ${id})`);
  return 0;
}

/**
 * `herald webhooks rotate-secret <id>`: a new signing secret, printed this once (the only place besides create), and
 * how long the previous one stays honoured.
 */
export async function rotateSecretCommand(
  id: string,
  flags: Json & { secret?: string; gracePeriod: string },
  out: Output,
): Promise<number> {
  const { client } = connect(flags);
  const rotated = await client.webhooks.rotateSecret.mutate({
    id,
    gracePeriod: flags.gracePeriod,
    ...(flags.secret ? { secret: flags.secret } : {}),
  });
  if (flags.json) out.json(rotated);
  else {
    out.print(`new secret for ${id}: ${out.colour.bold(rotated.secret)}   (shown only now: store it)`);
    const until = rotated.secretRotation?.previousSecretExpiresAt;
    out.print(
      until
        ? `the previous secret stays valid until ${until}: Standard Webhooks headers carry a signature with each secret until then, and body-only signature headers keep the previous one`
        : 'the previous secret is no longer valid',
    );
  }
  return 0;
}

type Toggle = 'pause' | 'resume' | 'enable';

/** `herald webhooks pause|resume|enable <id>`: what the webhook does now, and what comes next. */
export async function toggleWebhookCommand(action: Toggle, id: string, flags: Json, out: Output): Promise<number> {
  const { client } = connect(flags);
  const hook = await client.webhooks[action].mutate({ id });
  if (flags.json) {
    out.json(hook);
    return 0;
  }
  const state = stateOf(hook);
  if (action === 'pause') out.print(`paused ${id}: deliveries are kept (parked) until herald webhooks resume ${id}`);
  else if (hook.disabledReason)
    out.print(`resumed ${id}, but it is ${out.state(state)}: herald webhooks enable ${id} sends again`);
  else if (hook.paused)
    out.print(`enabled ${id}, but it is ${out.state('paused')}: herald webhooks resume ${id} sends again`);
  else
    out.print(
      `${action === 'resume' ? 'resumed' : 'enabled'} ${id}: ${out.state('active')}; parked deliveries go out first, in publish order`,
    );
  return 0;
}

function stateOf(hook: Webhook): string {
  return hook.disabledReason
    ? `disabled (${hook.disabledReason})`
    : hook.paused
      ? 'paused'
      : hook.active
        ? 'active'
        : 'inactive';
}

function describe(hook: WebhookDetail, out: Output): Array<[string, string]> {
  const when = (at: string | null) => at ?? '—';
  const profile = hook.signatureProfile
    ? hook.signatureProfile.schemes.map((s) => (s.type === 'hmac-sha256' ? `${s.type} ${s.header}` : s.type)).join(', ')
    : "the workspace's";
  return [
    ['id', hook.id],
    ['name', hook.name],
    ['url', hook.url],
    ['events', hook.events.join(', ')],
    ['state', out.state(stateOf(hook))],
    ['mode', hook.mode],
    ['description', hook.description ?? '—'],
    ['headers', hook.headers.length > 0 ? hook.headers.join(', ') : '—'],
    ['signature', profile],
    ['filter', hook.filter ? JSON.stringify(hook.filter) : '—'],
    ...(hook.secretRotation
      ? [['previous secret', `valid until ${hook.secretRotation.previousSecretExpiresAt}`] as [string, string]]
      : []),
    ['rate limit', hook.rateLimit ? `${hook.rateLimit.perSecond}/s, burst ${hook.rateLimit.burst}` : 'none'],
    ['on ordering failure', hook.orderingOnFailure],
    ...(hook.adaptiveRate
      ? [
          [
            'adaptive rate',
            `${hook.adaptiveRate.perSecond}/s since ${hook.adaptiveRate.since} (the endpoint showed overload)`,
          ] as [string, string],
        ]
      : []),
    ...(hook.rateLimitBacklog.waiting > 0
      ? [
          [
            'waiting for the limit',
            `${hook.rateLimitBacklog.waiting} deliveries, the oldest for ${hook.rateLimitBacklog.oldestWaitSeconds.toFixed(1)}s`,
          ] as [string, string],
        ]
      : []),
    ['last success', when(hook.health.lastSuccessAt)],
    ['last failure', when(hook.health.lastFailureAt)],
    ['failures in a row', String(hook.health.consecutiveFailures)],
    ...(hook.health.failingSince ? [['failing since', hook.health.failingSince] as [string, string]] : []),
    ['created', hook.createdAt],
    ['updated', hook.updatedAt],
  ];
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
}

/** `--header 'Name: value'`, repeated. */
function headers(values: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    if (colon <= 0) throw new UsageError('--header expects "Name: value" (a colon after the name)');
    result[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
  }
  return result;
}

/** `5/s`, `0.5/s,burst=2` (the `/s` may be left out), or `none` to remove the limit. */
/** `--on-ordering-failure continue|block`. */
export function orderingOnFailure(value: string): 'continue' | 'block' {
  if (value === 'continue' || value === 'block') return value;
  throw new UsageError(`--on-ordering-failure expects continue or block, got "${value}"`);
}

export function rateLimit(value: string): { perSecond: number; burst?: number } | null {
  if (value.trim() === 'none') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/s)?\s*(?:,\s*burst\s*=\s*(\d+)\s*)?$/.exec(value);
  if (!match) throw new UsageError('--rate-limit expects a rate such as 5/s or 5/s,burst=10 (or "none")');
  return { perSecond: Number(match[1]), ...(match[2] !== undefined ? { burst: Number(match[2]) } : {}) };
}
