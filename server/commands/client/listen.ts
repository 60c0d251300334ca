import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BodySignatureHeader, verifyWebhook } from '../../../client/index.js';
import type { Output } from './output.js';

export interface ListenFlags {
  port: string;
  host: string;
  secret?: string;
  forwardTo?: string;
  failRate?: string;
  status: string;
  json?: boolean;
}

/** One delivery as `listen` saw it. */
export interface ListenedDelivery {
  at: string;
  eventId: string | null;
  eventType: string | null;
  attempt: number | null;
  /** Which signatures checked out: `standard-webhooks` and the body-signature headers, by name. */
  verified: string[];
  /** Why it was refused, when it was. */
  rejected?: string;
  /** What Herald was answered, and where it came from. */
  status: number;
  answeredBy: 'listen' | 'forward' | 'fail-rate';
  body: unknown;
}

/** Body-signature formats Herald can send: sha256= prefixed or bare, hex or base64. */
const bodyFormats: Array<Omit<BodySignatureHeader, 'header'>> = [
  { prefix: 'sha256=', encoding: 'hex' },
  { prefix: '', encoding: 'hex' },
  { prefix: 'sha256=', encoding: 'base64' },
  { prefix: '', encoding: 'base64' },
];

/**
 * `herald listen`: a local receiver for development. It verifies every signature a delivery carries (Standard
 * Webhooks, and any body-signature header in any of Herald's formats) with `--secret`, prints each delivery as it
 * arrives, and answers 200, or 401 when no signature verifies. `--forward-to` passes each verified delivery on to
 * the developer's app and answers with its status; `--fail-rate` and `--status` answer errors on purpose, so
 * retries can be watched. Runs until interrupted.
 */
export async function listenCommand(flags: ListenFlags, out: Output): Promise<never> {
  const print = out.print;
  const failRate = Number(flags.failRate ?? 0);
  if (!(failRate >= 0 && failRate <= 1)) throw new Error('--fail-rate must be between 0 and 1, such as 0.3');
  const failStatus = Number(flags.status);
  if (!Number.isInteger(failStatus) || failStatus < 100 || failStatus > 599)
    throw new Error('--status must be an HTTP status, such as 503');
  const server = http.createServer((req, res) => {
    // Deliveries are POSTs; anything else is someone checking that the receiver is up.
    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('herald listen is ready\n');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle(Buffer.concat(chunks), req.headers).then(({ status, body, delivery }) => {
        res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
        print(flags.json ? JSON.stringify(delivery) : describe(delivery, out));
      });
    });
  });

  async function handle(raw: Buffer, headers: http.IncomingHttpHeaders) {
    const text = raw.toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Printed as received.
    }
    const envelope = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const delivery: ListenedDelivery = {
      at: new Date().toISOString(),
      eventId: typeof envelope.id === 'string' ? envelope.id : null,
      eventType: typeof envelope.type === 'string' ? envelope.type : null,
      attempt: Number(headers['x-webhook-attempt']) || null,
      verified: [],
      status: 200,
      answeredBy: 'listen',
      body,
    };
    if (flags.secret) {
      delivery.verified = verifiedSignatures(raw, headers, flags.secret);
      if (delivery.verified.length === 0) {
        delivery.rejected = 'no signature verified with this secret';
        delivery.status = 401;
        return { status: 401, body: 'Invalid signature', delivery };
      }
    }
    if (failRate > 0 && Math.random() < failRate) {
      delivery.status = failStatus;
      delivery.answeredBy = 'fail-rate';
      return { status: failStatus, body: 'Failing on purpose (herald listen --fail-rate)', delivery };
    }
    if (flags.forwardTo) {
      try {
        const forwarded = await fetch(flags.forwardTo, {
          method: 'POST',
          headers: Object.fromEntries(
            Object.entries(headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)),
          ) as Record<string, string>,
          body: raw,
          signal: AbortSignal.timeout(10_000),
        });
        delivery.status = forwarded.status;
        delivery.answeredBy = 'forward';
        return { status: forwarded.status, body: await forwarded.text(), delivery };
      } catch (error) {
        delivery.status = 502;
        delivery.answeredBy = 'forward';
        delivery.rejected = `could not forward to ${flags.forwardTo}: ${(error as Error).message}`;
        return { status: 502, body: 'Forwarding failed', delivery };
      }
    }
    return { status: 200, body: 'OK', delivery };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(flags.port), flags.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${port}`;
  print(
    flags.json
      ? JSON.stringify({ listening: url })
      : `Listening on ${url}${flags.secret ? ', verifying signatures' : ' (no --secret: signatures are not checked)'}${flags.forwardTo ? `, forwarding to ${flags.forwardTo}` : ''}. Point a webhook at it; Ctrl-C stops.`,
  );
  return new Promise<never>(() => undefined);
}

function verifiedSignatures(raw: Buffer, headers: http.IncomingHttpHeaders, secret: string): string[] {
  const verified: string[] = [];
  if (headers['webhook-signature'] && verifyWebhook(raw, headers, secret)) verified.push('standard-webhooks');
  const bodyHeaders = Object.keys(headers).filter((name) => name.endsWith('signature') && name !== 'webhook-signature');
  for (const header of bodyHeaders) {
    // Only the body-signature header is presented, so verifyWebhook checks that one scheme.
    const only = { [header]: headers[header] };
    if (bodyFormats.some((format) => verifyWebhook(raw, only, secret, { bodyHeader: { header, ...format } })))
      verified.push(header);
  }
  return verified;
}

function describe(delivery: ListenedDelivery, out: Output): string {
  const time = delivery.at.slice(11, 19);
  const what = `${delivery.eventType ?? '(no type)'} ${delivery.eventId ?? ''}${delivery.attempt ? ` attempt ${delivery.attempt}` : ''}`;
  const check = delivery.rejected
    ? `${out.mark('✗')} ${delivery.rejected}`
    : delivery.verified.length > 0
      ? `${out.mark('✓')} verified (${delivery.verified.join(', ')})`
      : '· not verified';
  const answer =
    delivery.answeredBy === 'forward'
      ? `forwarded → ${delivery.status}`
      : delivery.answeredBy === 'fail-rate'
        ? `→ ${delivery.status} on purpose`
        : `→ ${delivery.status}`;
  return `[${time}] ${what}  ${check}  ${answer}\n${JSON.stringify(delivery.body, null, 2)}`;
}
