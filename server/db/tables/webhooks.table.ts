import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { PayloadFilter } from '../payload-filter.js';
import type { SignatureProfile } from '../signature-profile.js';
import type { Mode } from '../scope.js';

/** Why Herald disabled a webhook on its own: it answered `410 Gone`, or it failed for the whole window. */
export const disabledReasons = ['gone', 'failing'] as const;
export type DisabledReason = (typeof disabledReasons)[number];

export interface WebhooksTable {
  id: string;
  workspace_id: string;
  mode: Mode;
  name: string;
  url: string;
  /** Event type names this webhook subscribes to. */
  events: string[];
  active: boolean;
  description: string | null;
  /** The app's own customer the webhook belongs to (opaque to Herald): the portal shows an owner only theirs. */
  owner: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * The signing secret, sealed with the encryption key. Opened, it is exactly what the user sees (prefix included):
   * body signatures are keyed by it, Standard Webhooks signatures by its base64 part.
   */
  secret: string;
  /** Which signatures deliveries carry and the envelope's timestamp name; null: the workspace's profile. */
  signature_profile: ColumnType<SignatureProfile | null, string | null | undefined, string | null>;
  /** Conditions an event must meet to be delivered to it, checked at publish; null: every subscribed event. */
  payload_filter: ColumnType<PayloadFilter | null, string | null | undefined, string | null>;
  /** Extra request headers the receiver wants (an auth token…), as a sealed JSON object; null: none. */
  custom_headers: string | null;
  /** The secret being rotated out, sealed, and when its grace period ends. */
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  /** Whether body-only signature headers already use the new secret (the owner said so). */
  body_signature_switched: ColumnType<boolean, boolean | undefined, boolean>;
  /** Paused by its owner: deliveries are created and parked until it is resumed. */
  paused: ColumnType<boolean, boolean | undefined, boolean>;
  /** Why Herald disabled it: it answered 410 Gone, or it failed for the whole window. Null: not disabled by Herald. */
  disabled_reason: DisabledReason | null;
  disabled_at: Date | null;
  /** When Herald announced the disabling (audit entry and `webhook.disabled` event). */
  disabled_notified_at: Date | null;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  /** Since when every delivery has failed (no success since); null while healthy. */
  failing_since: Date | null;
  /** When Herald warned that it is failing, once per failing spell. */
  failing_warned_at: Date | null;
  /** Deliveries per second at most, across all workers; null (with the burst): no limit. */
  rate_limit_per_second: ColumnType<number | null, number | null | undefined, number | null>;
  /** Deliveries the bucket holds when full: how many may go at once after a quiet spell. */
  rate_limit_burst: ColumnType<number | null, number | null | undefined, number | null>;
  /**
   * What a delivery with an ordering key that fails for good does to the key's later deliveries: `continue` lets
   * the next one go, `block` holds them until an operator retries or skips the failed one.
   */
  ordering_on_failure: ColumnType<OrderingOnFailure, OrderingOnFailure | undefined, OrderingOnFailure>;
  /**
   * Without a configured limit: the rate Herald adapted to after the endpoint showed overload (429, 503, timeouts,
   * connection errors), enforced with the same bucket; null: no adaptation in effect, the endpoint is unlimited.
   */
  adaptive_per_second: ColumnType<number | null, number | null | undefined, number | null>;
  /** When the adaptive rate engaged; null with it. */
  adaptive_since: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** When the adaptive rate was last lowered: at most once per decrease window. */
  adaptive_decreased_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  /** Deleted webhooks are kept (hidden) so their delivery history stays readable. */
  deleted_at: Date | null;
}

export const orderingOnFailureChoices = ['continue', 'block'] as const;
export type OrderingOnFailure = (typeof orderingOnFailureChoices)[number];

export type WebhookRow = Selectable<WebhooksTable>;
export type NewWebhookRow = Insertable<WebhooksTable>;
export type WebhookUpdate = Updateable<WebhooksTable>;
