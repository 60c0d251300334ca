import { readFile } from 'node:fs/promises';
import { createHeraldClient, type HeraldClient } from '../../../client/index.js';
import { type ClientSettings, ConfigError, loadClientSettings } from '../../config.js';

/** Flags every command that talks to a running Herald accepts. */
export interface ConnectionFlags {
  heraldUrl?: string;
  apiKey?: string;
}

/** The typed client for the Herald the flags (then HERALD_URL / HERALD_API_KEY) point at. */
export function connect(flags: ConnectionFlags): { client: HeraldClient; settings: ClientSettings } {
  const settings = loadClientSettings({ url: flags.heraldUrl, apiKey: flags.apiKey });
  if (!settings.apiKey)
    throw new ConfigError(
      'no API key: pass --api-key or set HERALD_API_KEY (npm start prints an admin key the first time it starts).',
    );
  return { client: createHeraldClient({ url: settings.url, apiKey: settings.apiKey }), settings };
}

/** Turns a failed API call into a message that says what to do next. */
export function explain(error: unknown, settings: ClientSettings): string {
  const message = (error as Error).message ?? String(error);
  if (/fetch failed|ECONNREFUSED/i.test(message) || (error as { cause?: { code?: string } }).cause?.code)
    return `cannot reach Herald at ${settings.url}: is it running? (npm start, or set HERALD_URL)`;
  if (/UNAUTHORIZED|API key/i.test(message)) return `${message} (check --api-key or HERALD_API_KEY)`;
  const listing = /^(Webhook|Delivery|Event type|API key) /.exec(message)?.[1];
  if ((error as { data?: { code?: string } }).data?.code === 'NOT_FOUND' && listing)
    return `${message} for this key: check the id (${lists[listing]} shows what its workspace and mode can see)`;
  return message;
}

const lists: Record<string, string> = {
  Webhook: 'herald webhooks list',
  Delivery: 'herald deliveries list',
  'Event type': 'herald event-types list',
  'API key': 'herald keys list',
};

/** Wrong use of a command, found before calling Herald: `herald` exits 2 and points at the command's --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A JSON option's value, given inline or as `@file.json`. */
export async function jsonOption(flag: string, value: string): Promise<unknown> {
  const text = value.startsWith('@') ? await readFile(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
