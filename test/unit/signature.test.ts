import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from '../../client/signature.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const body = JSON.stringify({
  id: 'evt_1',
  type: 'order.shipped',
  createdAt: '2024-01-20T15:30:00.000Z',
  data: { orderId: 'ord_1' },
});

/** A typical receiver: HMAC of the re-serialised body, compared as `sha256=<hex>` in constant time. */
function seed000Verify(payload: string, signature: string, key: string): boolean {
  const expectedSignature = crypto.createHmac('sha256', key).update(payload, 'utf8').digest('hex');
  const trusted = Buffer.from(`sha256=${expectedSignature}`, 'utf8');
  const untrusted = Buffer.from(signature, 'utf8');
  return trusted.length === untrusted.length && crypto.timingSafeEqual(trusted, untrusted);
}

describe('signatures', () => {
  it('signs the way a receiver checking sha256=<hex> of the body verifies', () => {
    expect(seed000Verify(body, signPayload(body, secret), secret)).toBe(true);
  });

  it('renders sha256=<64 hex digits>', () => {
    expect(signPayload(body, secret)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('keys the HMAC with the secret string as shown, prefix included', () => {
    const withoutPrefix = secret.slice('whsec_'.length);
    expect(signPayload(body, secret)).not.toBe(signPayload(body, withoutPrefix));
  });

  it('verifies its own signature and the bare hex form some receivers compare against', () => {
    const header = signPayload(body, secret);
    expect(verifySignature(body, header, secret)).toBe(true);
    expect(verifySignature(Buffer.from(body), header, secret)).toBe(true);
    expect(verifySignature(body, header.slice('sha256='.length), secret)).toBe(true);
  });

  it('rejects a changed body, a wrong secret and malformed headers without throwing', () => {
    const header = signPayload(body, secret);
    expect(verifySignature(body.replace('ord_1', 'ord_2'), header, secret)).toBe(false);
    expect(verifySignature(body, header, `${secret}x`)).toBe(false);
    for (const bad of [undefined, null, '', 'sha256=', 'sha256=abc', 'garbage', `${header}00`]) {
      expect(verifySignature(body, bad, secret)).toBe(false);
    }
  });
});
