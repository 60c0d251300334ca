import { createHmac } from 'node:crypto';
import type { SignatureProfile } from '../db/signature-profile.js';

/**
 * How a delivery is signed, so that whatever the receiver was written against can check it.
 *
 * - `standard-webhooks`: `webhook-id` (the event id, the same on every retry), `webhook-timestamp` (unix seconds of
 *   the attempt) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the base64 part of
 *   a `whsec_` secret (any other secret: its UTF-8 bytes). During a secret rotation it carries one `v1,` signature
 *   per secret, space-separated, so receivers holding either secret accept it.
 * - `hmac-sha256`: one header holding the HMAC-SHA256 of the body alone, keyed by the secret string exactly as the
 *   user sees it, optionally prefixed (`sha256=`), as hex or base64. It holds one value, so during a rotation it
 *   keeps the previous secret until the owner switches (or the grace period ends).
 */
export type { SignatureProfile, SignatureScheme, TimestampField } from '../db/signature-profile.js';
export { timestampFields } from '../db/signature-profile.js';

/** What a new workspace sends: both kinds of signature, so either kind of receiver works out of the box. */
export const DEFAULT_SIGNATURE_PROFILE: SignatureProfile = {
  schemes: [
    { type: 'standard-webhooks' },
    { type: 'hmac-sha256', header: 'X-Webhook-Signature', prefix: 'sha256=', encoding: 'hex' },
  ],
  timestampField: 'createdAt',
};

/** The secrets a delivery is signed with. */
export interface SigningSecrets {
  current: string;
  /** The secret being rotated out, while its grace period lasts. */
  previous?: string | undefined;
  /** True until the owner switches body-only headers to the new secret (or the grace period ends). */
  bodyHeadersUsePrevious?: boolean | undefined;
}

/** Headers that no signature scheme may use: HTTP framing, and the headers Herald sets itself. */
export const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-webhook-id',
  'x-webhook-event',
  'x-webhook-attempt',
]);

export function signatureHeaders(args: {
  profile: SignatureProfile;
  secrets: SigningSecrets;
  eventId: string;
  /** Unix seconds of this attempt: Standard Webhooks receivers refuse timestamps far from their clock. */
  timestamp: number;
  body: string;
}): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const scheme of args.profile.schemes) {
    if (scheme.type === 'standard-webhooks') {
      const secrets = [args.secrets.current, ...(args.secrets.previous ? [args.secrets.previous] : [])];
      headers['webhook-id'] = args.eventId;
      headers['webhook-timestamp'] = String(args.timestamp);
      headers['webhook-signature'] = secrets
        .map((secret) => `v1,${standardWebhooksSignature(secret, args.eventId, args.timestamp, args.body)}`)
        .join(' ');
    } else {
      const secret =
        args.secrets.bodyHeadersUsePrevious && args.secrets.previous ? args.secrets.previous : args.secrets.current;
      headers[scheme.header.toLowerCase()] = scheme.prefix + bodySignature(secret, args.body, scheme.encoding);
    }
  }
  return headers;
}

/** HMAC-SHA256 of the body alone, keyed by the secret string as shown. */
export function bodySignature(secret: string, body: string | Uint8Array, encoding: 'hex' | 'base64'): string {
  return createHmac('sha256', secret).update(body).digest(encoding);
}

/** The base64 HMAC-SHA256 of `id.timestamp.body`, as the Standard Webhooks specification defines it. */
export function standardWebhooksSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  return createHmac('sha256', standardWebhooksKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** A `whsec_` secret's key is the base64 after the prefix; any other secret is used as its UTF-8 bytes. */
export function standardWebhooksKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}
