import { type SignatureProfile, signatureHeaders, type SigningSecrets } from './signing.js';

/**
 * Headers of every delivery: the webhook's own custom headers first, then Herald's, which they can never replace
 * (the names are checked when the webhook is saved). `X-Webhook-Id` (and `webhook-id`) is the event id, stable
 * across retries, for receivers to deduplicate.
 */
export function deliveryHeaders(args: {
  body: string;
  profile: SignatureProfile;
  secrets: SigningSecrets;
  customHeaders: Record<string, string>;
  eventId: string;
  eventType: string;
  attemptNumber: number;
  userAgent: string;
  /** Unix seconds; now unless a test fixes it. */
  timestamp?: number;
}): Record<string, string> {
  const custom = Object.fromEntries(
    Object.entries(args.customHeaders).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    ...custom,
    'content-type': 'application/json',
    'user-agent': args.userAgent,
    'x-webhook-id': args.eventId,
    'x-webhook-event': args.eventType,
    'x-webhook-attempt': String(args.attemptNumber),
    ...signatureHeaders({
      profile: args.profile,
      secrets: args.secrets,
      eventId: args.eventId,
      timestamp: args.timestamp ?? Math.floor(Date.now() / 1000),
      body: args.body,
    }),
  };
}
