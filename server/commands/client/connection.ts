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
  return message;
}
