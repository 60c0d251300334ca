import crypto from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../client/verify-webhook.js';
import { serializeEnvelope } from '../../server/delivery/envelope.js';
import { DEFAULT_SIGNATURE_PROFILE, type SignatureProfile, signatureHeaders } from '../../server/delivery/signing.js';

const secret = `whsec_${crypto.randomBytes(32).toString('base64')}`;
const event = {
  id: 'evt_01JD8Q',
  type: 'order.shipped',
  createdAt: new Date('2026-11-29T12:00:00.000Z'),
  payloadJson: '{"orderId":"ord_1"}',
};
const body = serializeEnvelope(event);
const now = Math.floor(Date.now() / 1000);
const sign = (
  profile: SignatureProfile,
  secrets: { current: string; previous?: string; bodyHeadersUsePrevious?: boolean } = { current: secret },
  timestamp = now,
) => signatureHeaders({ profile, secrets, eventId: event.id, timestamp, body });

describe('Standard Webhooks signatures', () => {
  it('verify with the official standardwebhooks and svix libraries', () => {
    const headers = sign(DEFAULT_SIGNATURE_PROFILE);
    expect(headers['webhook-id']).toBe(event.id);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // svix verifies without returning the payload; it throws when a check fails.
    const svixHeaders = {
      'svix-id': headers['webhook-id']!,
      'svix-timestamp': headers['webhook-timestamp']!,
      'svix-signature': headers['webhook-signature']!,
    };
    expect(() => new SvixWebhook(secret).verify(body, svixHeaders)).not.toThrow();
    expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
    expect(verifyWebhook(body, headers, secret)).toBe(true);
  });

  it('are rejected by those libraries when replayed late or tampered with', () => {
    const stale = sign(DEFAULT_SIGNATURE_PROFILE, { current: secret }, now - 3_600);
    expect(() => new StandardWebhook(secret).verify(body, stale)).toThrow();
    expect(() => new SvixWebhook(secret).verify(body, stale)).toThrow();
    expect(verifyWebhook(body, stale, secret)).toBe(false);
    const headers = sign(DEFAULT_SIGNATURE_PROFILE);
    const tampered = body.replace('ord_1', 'ord_2');
    expect(() => new StandardWebhook(secret).verify(tampered, headers)).toThrow();
    expect(() => new SvixWebhook(secret).verify(tampered, headers)).toThrow();
    expect(verifyWebhook(tampered, headers, secret)).toBe(false);
    expect(() =>
      new StandardWebhook(`whsec_${crypto.randomBytes(32).toString('base64')}`).verify(body, headers),
    ).toThrow();
  });

  it('carry one signature per secret during a rotation, so a receiver holding either accepts', () => {
    const next = `whsec_${crypto.randomBytes(32).toString('base64')}`;
    const headers = sign(DEFAULT_SIGNATURE_PROFILE, { current: next, previous: secret, bodyHeadersUsePrevious: true });
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new StandardWebhook(next).verify(body, headers)).toBeTruthy();
    expect(new StandardWebhook(secret).verify(body, headers)).toBeTruthy();
    expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
    // The body-only header holds one value: it keeps the old secret until the owner switches.
    expect(verifyWebhook(body, { 'x-webhook-signature': headers['x-webhook-signature'] }, secret)).toBe(true);
    const switched = sign(DEFAULT_SIGNATURE_PROFILE, {
      current: next,
      previous: secret,
      bodyHeadersUsePrevious: false,
    });
    expect(verifyWebhook(body, { 'x-webhook-signature': switched['x-webhook-signature'] }, next)).toBe(true);
  });
});

describe('the default profile', () => {
  it('sends both kinds: Standard Webhooks headers and X-Webhook-Signature: sha256=<hex> over the exact body', () => {
    const headers = sign(DEFAULT_SIGNATURE_PROFILE);
    expect(Object.keys(headers).sort()).toEqual([
      'webhook-id',
      'webhook-signature',
      'webhook-timestamp',
      'x-webhook-signature',
    ]);
    const hex = crypto.createHmac('sha256', secret).update(body).digest('hex');
    expect(headers['x-webhook-signature']).toBe(`sha256=${hex}`);
    expect(verifyWebhook(body, { 'x-webhook-signature': headers['x-webhook-signature'] }, secret)).toBe(true);
  });
});

describe('body-only HMAC profiles', () => {
  const profile = (
    header: string,
    prefix: string,
    encoding: 'hex' | 'base64',
    timestampField: SignatureProfile['timestampField'],
  ): SignatureProfile => ({
    schemes: [{ type: 'hmac-sha256', header, prefix, encoding }],
    timestampField,
  });

  it('send one header, keyed by the secret string exactly as shown, in the chosen encoding', () => {
    const headers = sign(profile('X-Cimplify-Signature', '', 'base64', 'created_at'));
    expect(Object.keys(headers)).toEqual(['x-cimplify-signature']);
    expect(headers['x-cimplify-signature']).toBe(crypto.createHmac('sha256', secret).update(body).digest('base64'));
    expect(
      verifyWebhook(body, headers, secret, {
        bodyHeader: { header: 'X-Cimplify-Signature', prefix: '', encoding: 'base64' },
      }),
    ).toBe(true);
  });

  it('name the envelope timestamp as the profile says, and stay JSON.stringify output', () => {
    for (const field of ['createdAt', 'created_at', 'timestamp'] as const) {
      const text = serializeEnvelope(event, field);
      const parsed = JSON.parse(text);
      expect(parsed[field]).toBe('2026-11-29T12:00:00.000Z');
      expect(JSON.stringify(parsed)).toBe(text);
    }
  });
});
