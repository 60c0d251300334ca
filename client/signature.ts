import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Herald signs every delivery in, as `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'X-Webhook-Signature';
const PREFIX = 'sha256=';

/**
 * HMAC-SHA256 of the exact body bytes, keyed by the webhook secret string as shown at creation (prefix included,
 * UTF-8), rendered as `sha256=<hex>`: what `X-Webhook-Signature` carries by default.
 */
export function signPayload(body: string | Uint8Array, secret: string): string {
  return PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Checks a delivery on the receiving side, in constant time. Pass the raw request body (before any JSON parsing)
 * and the `X-Webhook-Signature` header. A bare hex digest without the `sha256=` prefix is accepted too.
 */
export function verifySignature(
  rawBody: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
): boolean {
  if (typeof header !== 'string' || header.length === 0) return false;
  const received = header.trim().startsWith(PREFIX) ? header.trim() : PREFIX + header.trim();
  const expected = signPayload(rawBody, secret);
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
