import { type ConnectionFlags, connect } from './connection.js';

export interface CreateWebhookFlags extends ConnectionFlags {
  url: string;
  events: string;
  secret?: string;
  name?: string;
  json?: boolean;
}

/** `herald webhooks create`: registers a webhook and prints its id and secret (shown this once). */
export async function createWebhookCommand(flags: CreateWebhookFlags, print: (line: string) => void): Promise<number> {
  const { client } = connect(flags);
  const created = await client.webhooks.create.mutate({
    url: flags.url,
    events: flags.events.split(',').map((e) => e.trim()),
    ...(flags.secret ? { secret: flags.secret } : {}),
    ...(flags.name ? { name: flags.name } : {}),
  });
  if (flags.json) print(JSON.stringify(created));
  else {
    print(`created ${created.id} → ${created.url} (${created.events.join(', ')})`);
    print(`secret: ${created.secret}   (shown only now: store it)`);
  }
  return 0;
}

/** `herald webhooks list`: one line per webhook, with its state. */
export async function listWebhooksCommand(
  flags: ConnectionFlags & { json?: boolean },
  print: (line: string) => void,
): Promise<number> {
  const { client } = connect(flags);
  const webhooks = [];
  for (let cursor: string | undefined; ;) {
    const page = await client.webhooks.list.query({ ...(cursor ? { cursor } : {}), limit: 100 });
    webhooks.push(...page.data);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  if (flags.json) print(JSON.stringify(webhooks));
  else
    for (const hook of webhooks) {
      const state = hook.disabledReason
        ? `disabled (${hook.disabledReason})`
        : hook.paused
          ? 'paused'
          : hook.active
            ? 'active'
            : 'inactive';
      print(`${hook.id}  ${state.padEnd(19)} ${hook.url}  ${hook.events.join(',')}`);
    }
  return 0;
}
