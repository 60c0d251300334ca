import type { SecretBox } from './secret-box.js';

/**
 * A webhook's custom headers as stored: their names in the clear (they are shown in the API), their values sealed
 * together (they often carry a token). `{"names":["Authorization"],"values":"sealed:v1:…"}`.
 */
interface StoredHeaders {
  names: string[];
  values: string;
}

export function sealHeaders(box: SecretBox, headers: Record<string, string>): string | null {
  const names = Object.keys(headers);
  if (names.length === 0) return null;
  return JSON.stringify({ names, values: box.seal(JSON.stringify(headers)) } satisfies StoredHeaders);
}

export function openHeaders(box: SecretBox, stored: string | null): Record<string, string> {
  if (!stored) return {};
  return JSON.parse(box.open((JSON.parse(stored) as StoredHeaders).values)) as Record<string, string>;
}

export function headerNames(stored: string | null): string[] {
  return stored ? (JSON.parse(stored) as StoredHeaders).names : [];
}

/** The same headers sealed with the current key, or undefined when they already are. */
export function resealHeaders(box: SecretBox, stored: string | null): string | undefined {
  if (!stored) return undefined;
  const parsed = JSON.parse(stored) as StoredHeaders;
  if (!box.needsResealing(parsed.values)) return undefined;
  return JSON.stringify({ names: parsed.names, values: box.seal(box.open(parsed.values)) } satisfies StoredHeaders);
}
