/**
 * Where everything happens, and what a key may do there: the words every layer shares, defined once at the bottom
 * (workflows, activities, the data layer and the API all import them; they import nothing).
 */

/** Test-mode keys see only test-mode webhooks, events and deliveries of their workspace. */
export const modes = ['live', 'test'] as const;
export type Mode = (typeof modes)[number];

/** Where something happens: one workspace, in one mode. Every webhook, event, delivery and audit entry has one. */
export interface Scope {
  workspaceId: string;
  mode: Mode;
  /**
   * An endpoint owner's portal session narrows the scope to the webhooks of that owner and their deliveries; the
   * queries apply it themselves (`webhooksInScope`, `deliveriesInScope`), so nothing of another owner is ever read.
   */
  owner?: string | undefined;
}

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
