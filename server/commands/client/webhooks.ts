import type { HeraldClient } from '../../../client/index.js';
import { type ConnectionFlags, connect } from './connection.js';
import type { Output } from './output.js';

type Json = ConnectionFlags & { json?: boolean };
type Webhook = Awaited<ReturnType<HeraldClient['webhooks']['get']['query']>>;

export interface CreateWebhookFlags extends Json {
  url: string;
  events: string;
  secret?: string;
  name?: string;
}

/** `herald webhooks create`: registers a webhook and prints its id and secret (shown this once). */
export async function createWebhookCommand(flags: CreateWebhookFlags, out: Output): Promise<number> {
  const { client } = connect(flags);
  const created = await client.webhooks.create.mutate({
    url: flags.url,
    events: list(flags.events),
    ...(flags.secret ? { secret: flags.secret } : {}),
    ...(flags.name ? { name: flags.name } : {}),
  });
  if (flags.json) out.json(created);
  else {
    out.print(`created ${created.id} → ${created.url} (${created.events.join(', ')})`);
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

function stateOf(hook: Webhook): string {
  return hook.disabledReason
    ? `disabled (${hook.disabledReason})`
    : hook.paused
      ? 'paused'
      : hook.active
        ? 'active'
        : 'inactive';
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
}
