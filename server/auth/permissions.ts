/** What an API key may do. Each procedure requires exactly one of these. */
export const permissions = [
  'webhooks:read',
  'webhooks:manage',
  'events:publish',
  'deliveries:read',
  'deliveries:retry',
  'audit:read',
  /** Manages workspaces and API keys, for any workspace. */
  'admin',
] as const;

export type Permission = (typeof permissions)[number];

import type { Scope } from '../../workflows/shared.js';

export { type Mode, modes, type Scope } from '../../workflows/shared.js';

/** The caller, once its key is checked. */
export interface Principal extends Scope {
  keyId: string;
  permissions: ReadonlySet<Permission>;
}
