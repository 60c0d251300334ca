/**
 * Every kind of receiver verifies Herald's deliveries with its own code: the official Standard Webhooks and Svix
 * libraries, and receivers written the way the common body-signature documentation writes them (Node and Python).
 * Each receiver below answers 401 when its check fails, so a delivery that ends `succeeded` after one attempt is a
 * delivery that receiver accepted.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Behaviour, ok, type ReceivedRequest } from '../support/receiver.js';
import { useStack } from '../support/stack.js';

const stack = useStack();
afterEach(() => {
  stack.receiver.behave(ok);
  vi.restoreAllMocks();
});

/** The headers as a plain string map, the shape both libraries take. */
function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
}

// The receivers' own verification code, as their documentation gives it (only the secret is passed in).
/** Re-serialises the parsed body and expects `sha256=<hex>`. */
function verifyPrefixedOverParsedBody(payload: string, signature: string, secret: string): boolean {
  const expectedSignature = crypto.createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
  const trusted = Buffer.from(`sha256=${expectedSignature}`, 'utf8');
  const untrusted = Buffer.from(signature, 'utf8');
  return trusted.length === untrusted.length && crypto.timingSafeEqual(trusted, untrusted);
}
/** Expects bare hex; compares the strings. */
function verifyBareHex(payload: string, signature: string, secret: string): boolean {
  const hmac = crypto.createHmac('sha256', secret).update(payload).digest('hex');
  return signature.length === hmac.length && crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(hmac));
}
/** Expects bare hex; compares the decoded bytes over the raw body. */
function verifyHexOverRawBody(body: string, signature: string, secret: string): boolean {
  const expected = crypto.createHmac('sha256', secret).update(body, 'utf8').digest('hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === 32 && crypto.timingSafeEqual(given, Buffer.from(expected, 'hex'));
}

/** A Flask-style receiver's check, run by Python itself over the bytes that arrived. */
const pythonReceiver = `
import hashlib, hmac, json, sys
request = json.load(sys.stdin)
signature = request["signature"]
payload = request["body"].encode()
expected = hmac.new(request["secret"].encode(), payload, hashlib.sha256).hexdigest()
print("accepted" if hmac.compare_digest(signature, expected) else "rejected")
`;
function pythonAccepts(body: string, signature: string, secret: string): string {
  return execFileSync('python3', ['-c', pythonReceiver], {
    input: JSON.stringify({ body, signature, secret }),
    encoding: 'utf8',
  }).trim();
}

const secrets = new Map<string, string>();
/** Answers 200 when `check` accepts the request under its webhook's secret (looked up by path), 401 otherwise. */
function verifyingWith(check: (request: ReceivedRequest, secret: string) => boolean): Behaviour {
  return (request) => {
    const secret = secrets.get(request.path);
    return secret !== undefined && check(request, secret) ? { status: 200, body: 'OK' } : { status: 401 };
  };
}

/** Each path's webhook subscribes to an event type of its own, so a test's events reach only its webhook. */
const typeOf = (path: string) => `sig.${path.replace(/[^a-z]/g, '')}`;

async function webhookAt(path: string, extra: Record<string, unknown> = {}) {
  const created = await stack.herald.client.webhooks.create.mutate({
    url: `${stack.receiver.url}${path}`,
    events: [typeOf(path)],
    ...extra,
  });
  secrets.set(path, created.secret);
  return created;
}

/** Publishes one event to the webhook at `path`; resolves with its delivery once settled, and the request. */
async function deliverTo(
  path: string,
  data: Record<string, unknown> = { orderId: 'ord_1', total: 4999, note: 'Grüße "x"' },
) {
  const published = await stack.herald.client.events.publish.mutate({ type: typeOf(path), data });
  expect(published.deliveries).toHaveLength(1);
  const delivery = await stack.herald.settled(published.deliveries[0]!.id);
  const requests = stack.receiver.requests.filter((r) => r.path === path);
  return { published, delivery, request: requests.at(-1)! };
}

describe('the default profile', () => {
  it('is verified by the standardwebhooks and svix libraries, and by a sha256=<hex> body receiver', async () => {
    const hook = await webhookAt('/default');
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    stack.receiver.behave(
      verifyingWith((request, secret) => {
        new StandardWebhook(secret).verify(request.rawBody, headersOf(request));
        new SvixWebhook(secret).verify(request.rawBody, headersOf(request));
        return verifyPrefixedOverParsedBody(
          JSON.stringify(JSON.parse(request.rawBody)),
          String(request.headers['x-webhook-signature']),
          secret,
        );
      }),
    );
    const { published, delivery, request } = await deliverTo('/default');
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(request.headers['webhook-id']).toBe(published.id);
    expect(request.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(request.headers['x-webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(request.rawBody)).toMatchObject({ id: published.id, type: typeOf('/default') });
    expect(JSON.parse(request.rawBody)).toHaveProperty('createdAt');
  });

  it('keeps webhook-id the event id on every retry, so receivers can drop duplicates', async () => {
    await webhookAt('/retried');
    let calls = 0;
    stack.receiver.behave((request) =>
      request.path === '/retried' && ++calls === 1 ? { status: 503 } : { status: 200 },
    );
    const { published, delivery } = await deliverTo('/retried');
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2 });
    const ids = stack.receiver.requests.filter((r) => r.path === '/retried').map((r) => r.headers['webhook-id']);
    expect(ids).toEqual([published.id, published.id]);
  });

  it('is rejected by both libraries when replayed later or tampered with', async () => {
    await webhookAt('/replayed');
    const { request } = await deliverTo('/replayed');
    const secret = secrets.get('/replayed')!;
    const headers = headersOf(request);
    for (const library of [new StandardWebhook(secret), new SvixWebhook(secret)]) {
      expect(() => library.verify(request.rawBody, headers)).not.toThrow();
      expect(() => library.verify(request.rawBody.replace('4999', '4998'), headers)).toThrow();
      expect(() => library.verify(request.rawBody, { ...headers, 'webhook-id': 'evt_other' })).toThrow();
      const tenMinutesLater = Date.now() + 10 * 60_000;
      vi.spyOn(Date, 'now').mockReturnValue(tenMinutesLater);
      expect(() => library.verify(request.rawBody, headers)).toThrow(/timestamp/i);
      vi.restoreAllMocks();
    }
    expect(() =>
      new StandardWebhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(request.rawBody, headers),
    ).toThrow();
  });
});

describe('body-signature profiles, one per common receiver', () => {
  const cases = [
    {
      what: '`X-Regen-Signature: sha256=<hex>` over the re-serialised body, createdAt',
      path: '/prefixed',
      profile: {
        schemes: [{ type: 'hmac-sha256', header: 'X-Regen-Signature', prefix: 'sha256=', encoding: 'hex' }],
        timestampField: 'createdAt',
      },
      check: (r: ReceivedRequest, secret: string) =>
        verifyPrefixedOverParsedBody(
          JSON.stringify(JSON.parse(r.rawBody)),
          String(r.headers['x-regen-signature']),
          secret,
        ),
      header: 'x-regen-signature',
      timestampField: 'createdAt',
    },
    {
      what: '`X-Webhook-Signature: <hex>` over the re-serialised body, created_at',
      path: '/bare',
      profile: {
        schemes: [{ type: 'hmac-sha256', header: 'X-Webhook-Signature', encoding: 'hex' }],
        timestampField: 'created_at',
      },
      check: (r: ReceivedRequest, secret: string) =>
        verifyBareHex(JSON.stringify(JSON.parse(r.rawBody)), String(r.headers['x-webhook-signature']), secret),
      header: 'x-webhook-signature',
      timestampField: 'created_at',
    },
    {
      what: '`X-Cimplify-Signature: <hex>` over the body, created_at',
      path: '/cimplify',
      profile: {
        schemes: [{ type: 'hmac-sha256', header: 'X-Cimplify-Signature', prefix: '', encoding: 'hex' }],
        timestampField: 'created_at',
      },
      check: (r: ReceivedRequest, secret: string) =>
        verifyBareHex(r.rawBody, String(r.headers['x-cimplify-signature']), secret),
      header: 'x-cimplify-signature',
      timestampField: 'created_at',
    },
    {
      what: '`x-commerce-signature: <hex>` over the raw body, timestamp, with a secret of the user’s own',
      path: '/commerce',
      profile: {
        schemes: [{ type: 'hmac-sha256', header: 'x-commerce-signature', prefix: '', encoding: 'hex' }],
        timestampField: 'timestamp',
      },
      secret: 'whsec_your_secret_of_choice',
      check: (r: ReceivedRequest, secret: string) =>
        verifyHexOverRawBody(r.rawBody, String(r.headers['x-commerce-signature']), secret),
      header: 'x-commerce-signature',
      timestampField: 'timestamp',
    },
  ] as const;

  it.each(cases)('$what', async ({ path, profile, check, header, timestampField, ...rest }) => {
    const secret = 'secret' in rest ? rest.secret : undefined;
    const hook = await webhookAt(path, { signatureProfile: profile, ...(secret ? { secret } : {}) });
    if (secret) expect(hook.secret).toBe(secret);
    stack.receiver.behave(verifyingWith(check));
    const { delivery, request } = await deliverTo(path);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(Object.keys(request.headers).filter((name) => name.endsWith('signature'))).toEqual([header]);
    const body = JSON.parse(request.rawBody) as Record<string, unknown>;
    expect(Object.keys(body)).toContain(timestampField);
    for (const other of ['createdAt', 'created_at', 'timestamp'].filter((f) => f !== timestampField))
      expect(body).not.toHaveProperty(other);
    // Compact JSON.stringify output, so re-serialising receivers compute the same bytes.
    expect(JSON.stringify(body)).toBe(request.rawBody);
  });

  it('satisfies a Python receiver that checks bare hex over the raw bytes', async () => {
    await webhookAt('/python', { signatureProfile: cases[1].profile });
    const { request } = await deliverTo('/python', { name: 'Zoë', amount: 12.5, tags: ['a', 'ü'] });
    const secret = secrets.get('/python')!;
    const signature = String(request.headers['x-webhook-signature']);
    expect(pythonAccepts(request.rawBody, signature, secret)).toBe('accepted');
    expect(pythonAccepts(request.rawBody.replace('12.5', '12.6'), signature, secret)).toBe('rejected');
  });
});

describe('profiles', () => {
  it("follow the workspace's default unless the webhook sets its own, and are audited", async () => {
    const { workspaceId } = stack.herald.scope;
    const workspaceProfile = {
      schemes: [{ type: 'hmac-sha256' as const, header: 'X-Shop-Signature', encoding: 'base64' as const }],
      timestampField: 'timestamp' as const,
    };
    const updated = await stack.herald.client.workspaces.update.mutate({
      id: workspaceId,
      signatureProfile: workspaceProfile,
    });
    expect(updated.signatureProfile).toEqual({
      ...workspaceProfile,
      schemes: [{ ...workspaceProfile.schemes[0], prefix: '' }],
    });
    try {
      const inherits = await webhookAt('/inherits');
      expect(inherits.signatureProfile).toBeNull();
      const { request } = await deliverTo('/inherits');
      const expected = crypto.createHmac('sha256', inherits.secret).update(request.rawBody).digest('base64');
      expect(request.headers['x-shop-signature']).toBe(expected);
      expect(request.headers['webhook-signature']).toBeUndefined();
      expect(JSON.parse(request.rawBody)).toHaveProperty('timestamp');

      const own = await webhookAt('/own', { signatureProfile: { schemes: [{ type: 'standard-webhooks' }] } });
      const { request: ownRequest } = await deliverTo('/own');
      expect(() => new StandardWebhook(own.secret).verify(ownRequest.rawBody, headersOf(ownRequest))).not.toThrow();
      expect(ownRequest.headers['x-shop-signature']).toBeUndefined();
    } finally {
      await stack.herald.client.workspaces.update.mutate({ id: workspaceId, signatureProfile: null });
    }
    const audit = await stack.herald.client.audit.list.query({ event: 'workspaces.update' });
    expect(audit.data[0]).toMatchObject({ event: 'workspaces.update', entityId: workspaceId });
  });

  it('refuse reserved or duplicate signature headers, naming every invalid field', async () => {
    const error = await stack.herald.client.webhooks.create
      .mutate({
        url: `${stack.receiver.url}/bad`,
        events: ['sig.bad'],
        signatureProfile: {
          schemes: [
            { type: 'hmac-sha256', header: 'Content-Length' },
            { type: 'hmac-sha256', header: 'Webhook-Signature' },
          ],
        },
        headers: { Host: 'example.com' },
      } as never)
      .catch((e: unknown) => e);
    expect(JSON.stringify(error)).toMatch(/signatureProfile\.schemes\.0\.header/);
    expect(JSON.stringify(error)).toMatch(/signatureProfile\.schemes\.1\.header/);
    expect(JSON.stringify(error)).toMatch(/headers/);
  });
});

describe('secret rotation', () => {
  it('signs with both secrets during the grace period; the body header switches when told', async () => {
    const hook = await webhookAt('/rotating');
    const oldSecret = hook.secret;
    const rotated = await stack.herald.client.webhooks.rotateSecret.mutate({ id: hook.id, gracePeriod: '1h' });
    expect(rotated.secret).not.toBe(oldSecret);
    expect(rotated.secretRotation).toMatchObject({ bodySignatureSwitched: false });
    const newSecret = rotated.secret;

    const { request } = await deliverTo('/rotating');
    const signatures = String(request.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    for (const secret of [oldSecret, newSecret])
      expect(() => new SvixWebhook(secret).verify(request.rawBody, headersOf(request))).not.toThrow();
    // A body-only header holds one value: the previous secret's, until the owner switches it.
    expect(
      verifyPrefixedOverParsedBody(request.rawBody, String(request.headers['x-webhook-signature']), oldSecret),
    ).toBe(true);

    await stack.herald.client.webhooks.switchBodySignature.mutate({ id: hook.id });
    const { request: after } = await deliverTo('/rotating');
    expect(verifyPrefixedOverParsedBody(after.rawBody, String(after.headers['x-webhook-signature']), newSecret)).toBe(
      true,
    );
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(2);

    const audit = await stack.herald.client.audit.list.query({ entityType: 'webhook', entityId: hook.id });
    expect(audit.data.map((e) => e.event)).toEqual(
      expect.arrayContaining(['webhooks.rotateSecret', 'webhooks.switchBodySignature']),
    );
    expect(JSON.stringify(audit)).not.toContain(newSecret);
    expect(JSON.stringify(audit)).not.toContain(oldSecret);
  });

  it('refuses a grace period longer than seven days', async () => {
    const hook = await webhookAt('/rotate-long');
    await expect(stack.herald.client.webhooks.rotateSecret.mutate({ id: hook.id, gracePeriod: '8d' })).rejects.toThrow(
      /7d|seven days|at most/i,
    );
  });
});

describe('custom headers', () => {
  it('are sent with every delivery, sealed at rest, and their values never shown', async () => {
    const token = 'Bearer tok_custom_header_value_123';
    const hook = await webhookAt('/custom', { headers: { Authorization: token, 'X-Tenant': 'acme-tenant-value' } });
    expect(hook.headers).toEqual(['Authorization', 'X-Tenant']);
    const { request } = await deliverTo('/custom');
    expect(request.headers.authorization).toBe(token);
    expect(request.headers['x-tenant']).toBe('acme-tenant-value');

    const shown = JSON.stringify([
      await stack.herald.client.webhooks.get.query({ id: hook.id }),
      await stack.herald.client.webhooks.list.query({}),
      await stack.herald.client.audit.list.query({ entityType: 'webhook', entityId: hook.id }),
    ]);
    expect(shown).not.toContain('tok_custom_header_value_123');
    expect(shown).not.toContain('acme-tenant-value');
    const stored = await stack.herald.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain('tok_custom_header_value_123');
    expect(JSON.stringify(stored)).not.toContain(hook.secret);
  });
});

describe('secrets at rest', () => {
  it('appear nowhere in a dump of the database, rotated-out secrets included', async () => {
    const hook = await webhookAt('/dumped', { headers: { 'X-Api-Token': 'tok_at_rest_never_plain' } });
    const rotated = await stack.herald.client.webhooks.rotateSecret.mutate({ id: hook.id, gracePeriod: '1h' });
    await deliverTo('/dumped');
    const tables = await stack.herald.db
      .selectFrom('information_schema.tables' as never)
      .select('table_name' as never)
      .where('table_schema' as never, '=', 'public' as never)
      .execute();
    let dump = '';
    for (const { table_name: table } of tables as { table_name: string }[]) {
      const rows = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(table)} t`.execute(
        stack.herald.db,
      );
      dump += rows.rows.map((r) => r.row).join('\n');
    }
    expect(dump).toContain(hook.id);
    for (const secret of [hook.secret, rotated.secret, 'tok_at_rest_never_plain']) {
      expect(dump).not.toContain(secret);
      // Nor the key Standard Webhooks signs with, the base64 part of the secret.
      expect(dump).not.toContain(secret.replace(/^whsec_/, ''));
    }
  });
});
