import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clientProfilePath } from '../../config.js';
import { type ConnectionFlags, connect } from './connection.js';
import type { Output } from './output.js';

/**
 * `herald login`: checks the URL and key against the running Herald (any valid key passes: one without
 * `webhooks:read` gets a 403, which still proves it), then keeps them in the profile file, readable by its owner
 * only, for the client commands that follow.
 */
export async function loginCommand(flags: ConnectionFlags, out: Output): Promise<number> {
  const { client, settings } = connect(flags);
  try {
    await client.webhooks.list.query({ limit: 1 });
  } catch (error) {
    if (!/FORBIDDEN|needs the permission/i.test((error as Error).message)) throw error;
  }
  const file = clientProfilePath();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify({ url: settings.url, apiKey: settings.apiKey }, null, 2)}\n`, {
    mode: 0o600,
  });
  out.print(`logged in to ${settings.url}; the key is kept in ${file} (mode 0600)`);
  return 0;
}

/** `herald logout`: forgets the profile. */
export async function logoutCommand(out: Output): Promise<number> {
  const file = clientProfilePath();
  await rm(file, { force: true });
  out.print(`forgot ${file}`);
  return 0;
}
