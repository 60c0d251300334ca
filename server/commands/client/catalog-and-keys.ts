import { type ConnectionFlags, connect, jsonOption } from './connection.js';
import type { Output } from './output.js';

type Json = ConnectionFlags & { json?: boolean };

/** `herald event-types list`: the workspace's catalog, one row per type. */
export async function listEventTypesCommand(flags: Json, out: Output): Promise<number> {
  const { client } = connect(flags);
  const page = await client.eventTypes.list.query({});
  if (flags.json) out.json(page.data);
  else
    out.table(
      ['NAME', 'STATE', 'SCHEMA', 'DESCRIPTION'],
      page.data.map((type) => [
        type.name,
        out.state(type.archived ? 'archived' : type.deprecated ? 'deprecated' : 'active'),
        type.schema ? 'schema' : '—',
        type.description ?? '',
      ]),
    );
  return 0;
}

/**
 * `herald event-types create <name>`: adds a type to the catalog, with an optional JSON Schema and example (each
 * JSON, or `@file.json`). A workspace's first type turns catalog checks on for its publishes and subscriptions.
 */
export async function createEventTypeCommand(
  name: string,
  flags: Json & { description?: string; schema?: string; example?: string },
  out: Output,
): Promise<number> {
  const { client } = connect(flags);
  const created = await client.eventTypes.create.mutate({
    name,
    ...(flags.description ? { description: flags.description } : {}),
    ...(flags.schema ? { schema: (await jsonOption('--schema', flags.schema)) as Record<string, unknown> } : {}),
    ...(flags.example ? { example: (await jsonOption('--example', flags.example)) as Record<string, unknown> } : {}),
  });
  if (flags.json) out.json(created);
  else out.print(`created event type ${created.name}`);
  return 0;
}

/** `herald keys list`: the workspace's API keys (never the keys themselves: only a hint). */
export async function listKeysCommand(flags: Json, out: Output): Promise<number> {
  const { client } = connect(flags);
  const page = await client.apiKeys.list.query({ limit: 100 });
  if (flags.json) out.json(page.data);
  else
    out.table(
      ['ID', 'KEY', 'MODE', 'STATE', 'PERMISSIONS', 'NAME'],
      page.data.map((key) => [
        key.id,
        key.hint,
        key.mode,
        out.state(key.revokedAt ? 'revoked' : 'active'),
        key.permissions.join(','),
        key.name,
      ]),
    );
  return 0;
}

/** `herald keys create <name> --permissions …`: prints the new key, shown this once. */
export async function createKeyCommand(
  name: string,
  flags: Json & { permissions: string; mode: string; workspace?: string },
  out: Output,
): Promise<number> {
  const { client } = connect(flags);
  const created = await client.apiKeys.create.mutate({
    name,
    permissions: flags.permissions.split(',').map((p) => p.trim()) as never,
    mode: flags.mode as 'live' | 'test',
    ...(flags.workspace ? { workspaceId: flags.workspace } : {}),
  });
  if (flags.json) out.json(created);
  else out.print(`created ${created.id}: ${out.colour.bold(created.key)}   (shown only now: store it)`);
  return 0;
}

/** `herald keys revoke <id>`. */
export async function revokeKeyCommand(id: string, flags: Json, out: Output): Promise<number> {
  const { client } = connect(flags);
  const revoked = await client.apiKeys.revoke.mutate({ id });
  if (flags.json) out.json(revoked);
  else out.print(`revoked ${id}`);
  return 0;
}
