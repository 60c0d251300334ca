import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignatureScheme, signatureHeaders } from '../../server/delivery/signing.js';
import { snippetsFor } from '../../server/portal-ui/src/snippets.js';

/**
 * The verification code the portal shows an endpoint owner, run as they would paste it (Node and Python), against
 * headers Herald's own signing code makes: it accepts what Herald sends, during a rotation too, and refuses a
 * tampered body.
 */
const schemes: SignatureScheme[] = [
  { type: 'standard-webhooks' },
  { type: 'hmac-sha256', header: 'X-Webhook-Signature', prefix: 'sha256=', encoding: 'hex' },
  { type: 'hmac-sha256', header: 'X-Signature', prefix: '', encoding: 'base64' },
];
const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const previous = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const body = JSON.stringify({ id: 'evt_1', type: 'order.shipped', data: { orderId: 'ord_1', note: 'naïve' } });
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-snippets-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function headersFor(scheme: SignatureScheme) {
  return signatureHeaders({
    profile: { schemes: [scheme], timestampField: 'createdAt' },
    // The new secret signs; a rotation's previous secret signs beside it (Standard Webhooks) until it is switched.
    secrets: { current: secret, previous, bodyHeadersUsePrevious: false },
    eventId: 'evt_1',
    timestamp: Math.floor(Date.now() / 1000),
    body,
  });
}

async function nodeVerifies(code: string, rawBody: string, headers: Record<string, string>): Promise<boolean> {
  const file = path.join(dir, `verify-${Math.random().toString(36).slice(2)}.mjs`);
  await fs.writeFile(file, code);
  const module = (await import(pathToFileURL(file).href)) as {
    verifyWebhook(rawBody: string, headers: Record<string, string>, secret: string): boolean;
  };
  return module.verifyWebhook(rawBody, headers, secret);
}

async function pythonVerifies(code: string, rawBody: string, headers: Record<string, string>): Promise<boolean> {
  const file = path.join(dir, 'verify.py');
  await fs.writeFile(
    file,
    `${code}\nimport json, sys\nargs = json.load(sys.stdin)\nprint(verify_webhook(args["body"].encode(), args["headers"], args["secret"]))\n`,
  );
  const output = execFileSync('python3', [file], {
    input: JSON.stringify({ body: rawBody, headers, secret }),
    env: { PATH: process.env.PATH, WEBHOOK_SECRET: secret },
  });
  return output.toString().trim() === 'True';
}

const named = schemes.map((scheme) => [
  scheme.type === 'standard-webhooks' ? 'Standard Webhooks' : `${scheme.header} (${scheme.encoding})`,
  scheme,
]) as Array<[string, SignatureScheme]>;

describe.each(named)('the verification snippets for %s', (_name, scheme) => {
  const snippets = snippetsFor(scheme);
  it('in Node, accept what Herald signs and refuse a tampered body', async () => {
    const headers = headersFor(scheme);
    expect(await nodeVerifies(snippets.node, body, headers)).toBe(true);
    expect(await nodeVerifies(snippets.node, body.replace('ord_1', 'ord_2'), headers)).toBe(false);
  });
  it('in Python, accept what Herald signs and refuse a tampered body', async () => {
    const headers = headersFor(scheme);
    expect(await pythonVerifies(snippets.python, body, headers)).toBe(true);
    expect(await pythonVerifies(snippets.python, body.replace('ord_1', 'ord_2'), headers)).toBe(false);
  });
});
