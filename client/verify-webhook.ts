import { createHmac, timingSafeEqual } from 'node:crypto';

/** Request headers as Node (`req.headers`), Express or the fetch API (`Headers`) hold them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** A body-only signature header, as configured in the webhook's signature profile. */
export interface BodySignatureHeader {
  header: string;
  /** `sha256=` or nothing. */
  prefix: string;
  encoding: 'hex' | 'base64';
}

export interface VerifyOptions {
  /** Standard Webhooks: how far the `webhook-timestamp` may be from now, in seconds (default 300). */
  tolerance?: number;
  /**
   * Body-only signatures: which header to check when there is no `webhook-signature` (default
   * `X-Webhook-Signature: sha256=<hex>`, what a new workspace sends beside the Standard Webhooks headers).
   */
  bodyHeader?: BodySignatureHeader;
  /** The clock, in milliseconds; tests pass their own. */
  now?: number;
}

const DEFAULT_BODY_HEADER: BodySignatureHeader = { header: 'X-Webhook-Signature', prefix: 'sha256=', encoding: 'hex' };

/**
 * Checks that a delivery comes from Herald and is unchanged, in constant time. Pass the raw request body (the exact
 * bytes, before any JSON parsing), the request's headers and the webhook's secret as `webhooks.create` returned it.
 *
 * With Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`) it checks those, and also
 * that the timestamp is within `tolerance` of now, so a captured request cannot be replayed later; any of the
 * space-separated `v1,` signatures may match (during a secret rotation there is one per secret). Otherwise it checks
 * the body-only header (`X-Webhook-Signature: sha256=<hex>` unless `bodyHeader` says otherwise).
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyOptions = {},
): boolean {
  const read = (name: string) => headerValue(headers, name);
  const signature = read('webhook-signature');
  if (signature !== undefined) {
    const id = read('webhook-id');
    const timestamp = read('webhook-timestamp');
    if (!id || !timestamp || !/^\d+$/.test(timestamp)) return false;
    const now = Math.floor((options.now ?? Date.now()) / 1000);
    if (Math.abs(now - Number(timestamp)) > (options.tolerance ?? 300)) return false;
    const expected = createHmac('sha256', standardWebhooksKey(secret))
      .update(`${id}.${timestamp}.`)
      .update(rawBody)
      .digest('base64');
    return signature
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .some((entry) => sameText(entry.slice(3), expected));
  }
  const scheme = options.bodyHeader ?? DEFAULT_BODY_HEADER;
  const value = read(scheme.header);
  if (!value) return false;
  const expected = scheme.prefix + createHmac('sha256', secret).update(rawBody).digest(scheme.encoding);
  return sameText(value.trim(), expected);
}

/** A `whsec_` secret's key is the base64 after the prefix; any other secret is used as its UTF-8 bytes. */
function standardWebhooksKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
