/** One signature a delivery carries, as the webhook's signature profile lists it. */
export type SignatureScheme =
  { type: 'standard-webhooks' } | { type: 'hmac-sha256'; header: string; prefix: string; encoding: 'hex' | 'base64' };

export interface Snippets {
  scheme: SignatureScheme;
  node: string;
  python: string;
}

/**
 * Receiver code that checks the first signature of the profile, for Node and Python, with their standard
 * libraries only: read the raw body (before any JSON parsing) and the headers, keep the secret in the environment.
 */
export function verificationSnippets(schemes: readonly SignatureScheme[]): Snippets | undefined {
  const scheme = schemes.find((s) => s.type === 'standard-webhooks') ?? schemes[0];
  return scheme && snippetsFor(scheme);
}

/** The snippets that check one signature scheme. */
export function snippetsFor(scheme: SignatureScheme): Snippets {
  return scheme.type === 'standard-webhooks'
    ? { scheme, node: standardNode, python: standardPython }
    : { scheme, node: hmacNode(scheme), python: hmacPython(scheme) };
}

const standardNode = `import { createHmac, timingSafeEqual } from 'node:crypto';

// rawBody: the request body exactly as received (a string or Buffer); headers: lower-case names.
export function verifyWebhook(rawBody, headers, secret = process.env.WEBHOOK_SECRET) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'] ?? '';
  // Refuse old or future messages: a replayed request fails here.
  if (!id || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  const expected = createHmac('sha256', key).update(\`\${id}.\${timestamp}.\`).update(rawBody).digest();
  // During a secret rotation the header holds one signature per secret: any may match.
  return signatures.split(' ').some((entry) => {
    const [version, value = ''] = entry.split(',');
    const given = Buffer.from(value, 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
`;

const standardPython = `import base64, hashlib, hmac, os, time

# raw_body: the request body exactly as received (bytes); headers: lower-case names.
def verify_webhook(raw_body: bytes, headers, secret=os.environ["WEBHOOK_SECRET"]) -> bool:
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "0")
    # Refuse old or future messages: a replayed request fails here.
    if not msg_id or abs(time.time() - int(timestamp)) > 300:
        return False
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    signed = f"{msg_id}.{timestamp}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # During a secret rotation the header holds one signature per secret: any may match.
    for entry in headers.get("webhook-signature", "").split(" "):
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False
`;

function hmacNode(scheme: Extract<SignatureScheme, { type: 'hmac-sha256' }>): string {
  const header = scheme.header.toLowerCase();
  return `import { createHmac, timingSafeEqual } from 'node:crypto';

// rawBody: the request body exactly as received (a string or Buffer); headers: lower-case names.
export function verifyWebhook(rawBody, headers, secret = process.env.WEBHOOK_SECRET) {
  const expected = Buffer.from(${JSON.stringify(scheme.prefix)} + createHmac('sha256', secret).update(rawBody).digest('${scheme.encoding}'));
  const given = Buffer.from(headers[${JSON.stringify(header)}] ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
`;
}

function hmacPython(scheme: Extract<SignatureScheme, { type: 'hmac-sha256' }>): string {
  const header = scheme.header.toLowerCase();
  const digest = scheme.encoding === 'hex' ? 'mac.hexdigest()' : 'base64.b64encode(mac.digest()).decode()';
  return `import base64, hashlib, hmac, os

# raw_body: the request body exactly as received (bytes); headers: lower-case names.
def verify_webhook(raw_body: bytes, headers, secret=os.environ["WEBHOOK_SECRET"]) -> bool:
    mac = hmac.new(secret.encode(), raw_body, hashlib.sha256)
    expected = ${JSON.stringify(scheme.prefix)} + ${digest}
    return hmac.compare_digest(headers.get(${JSON.stringify(header)}, ""), expected)
`;
}
