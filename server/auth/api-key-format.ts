import { createHash, randomBytes } from 'node:crypto';
import type { Mode } from '../db/scope.js';

/**
 * API keys look like `hk_live_<43 base64url chars>` (32 random bytes). Only their SHA-256 is stored: keys are
 * random and long, so a fast hash is as safe as a slow one and keeps every request's lookup cheap.
 */
export function generateApiKey(mode: Mode): { key: string; hash: string; hint: string } {
  const key = `hk_${mode}_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), hint: hintFor(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Enough of a key to recognise it in a list, never enough to use it: `hk_live_…` plus its last four characters. */
export function hintFor(key: string): string {
  const prefix = key.startsWith('hk_test_') ? 'hk_test_' : key.startsWith('hk_live_') ? 'hk_live_' : '';
  return `${prefix}…${key.slice(-4)}`;
}

export function modeOfKey(key: string): Mode | undefined {
  if (key.startsWith('hk_live_')) return 'live';
  if (key.startsWith('hk_test_')) return 'test';
  return undefined;
}
