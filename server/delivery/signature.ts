import { createHmac } from 'node:crypto';

/** The header every delivery is signed in, as `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'X-Webhook-Signature';

/**
 * HMAC-SHA256 of the exact body bytes, keyed by the webhook secret string as shown at creation (prefix included,
 * UTF-8), rendered as `sha256=<hex>`.
 */
export function signPayload(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
