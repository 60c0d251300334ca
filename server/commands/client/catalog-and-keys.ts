import { readFile } from 'node:fs/promises';
import { type ConnectionFlags, connect } from './connection.js';

type Print = (line: string) => void;
type Json = ConnectionFlags & { json?: boolean };

/** `herald event-types list`: the workspace's catalog, one line per type. */
export async function listEventTypesCommand(flags: Json, print: Print): Promise<number> {
  const { client } = connect(flags);
  const page = await client.eventTypes.list.query({});
  if (flags.json) print(JSON.stringify(page.data));
  else
    for (const type of page.data)
      print(
        `${type.name.padEnd(32)} ${type.archived ? 'archived' : type.deprecated ? 'deprecated' : 'active'}${type.schema ? '  schema' : ''}${type.description ? `  ${type.description}` : ''}`,
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
  print: Print,
): Promise<number> {
  const { client } = connect(flags);
  const created = await client.eventTypes.create.mutate({
    name,
    ...(flags.description ? { description: flags.description } : {}),
    ...(flags.schema ? { schema: (await jsonOption('--schema', flags.schema)) as Record<string, unknown> } : {}),
    ...(flags.example ? { example: (await jsonOption('--example', flags.example)) as Record<string, unknown> } : {}),
  });
  print(flags.json ? JSON.stringify(created) : `created event type ${created.name}`);
  return 0;
}

/** `herald keys list`: the workspace's API keys (never the keys themselves: only a hint). */
export async function listKeysCommand(flags: Json, print: Print): Promise<number> {
  const { client } = connect(flags);
  const page = await client.apiKeys.list.query({ limit: 100 });
  if (flags.json) print(JSON.stringify(page.data));
  else
    for (const key of page.data)
      print(
        `${key.id}  ${key.hint}  ${key.mode}  ${key.revokedAt ? 'revoked' : 'active '}  ${key.permissions.join(',')}  ${key.name}`,
      );
  return 0;
}

/** `herald keys create <name> --permissions …`: prints the new key, shown this once. */
export async function createKeyCommand(
  name: string,
  flags: Json & { permissions: string; mode: string; workspace?: string },
  print: Print,
): Promise<number> {
  const { client } = connect(flags);
  const created = await client.apiKeys.create.mutate({
    name,
    permissions: flags.permissions.split(',').map((p) => p.trim()) as never,
    mode: flags.mode as 'live' | 'test',
    ...(flags.workspace ? { workspaceId: flags.workspace } : {}),
  });
  if (flags.json) print(JSON.stringify(created));
  else print(`created ${created.id}: ${created.key}   (shown only now: store it)`);
  return 0;
}

/** `herald keys revoke <id>`. */
export async function revokeKeyCommand(id: string, flags: Json, print: Print): Promise<number> {
  const { client } = connect(flags);
  await client.apiKeys.revoke.mutate({ id });
  print(`revoked ${id}`);
  return 0;
}

async function jsonOption(flag: string, value: string): Promise<unknown> {
  const text = value.startsWith('@') ? await readFile(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${flag} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
