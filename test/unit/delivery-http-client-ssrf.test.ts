import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createDeliveryHttpClient,
  type DeliveryHttpClient,
  type DeliveryHttpClientOptions,
} from '../../server/delivery/delivery-http-client.js';
import { createTargetPolicy, type TargetPolicy } from '../../server/delivery/target-policy.js';
import { waitFor } from '../support/wait-for.js';

type Lookup = NonNullable<DeliveryHttpClientOptions['lookup']>;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  vi.restoreAllMocks();
});

/**
 * The host of every socket undici opens. A name is fine (its addresses go through `lookup` and `onConnect`), but an
 * IP literal other than loopback is stopped here, so a policy bug on the IP-literal path fails the test instead of
 * dialling the address.
 */
let sockets: string[] = [];
beforeEach(() => {
  sockets = [];
  for (const module of [net, tls] as Array<{ connect: (...args: unknown[]) => unknown }>) {
    const connect = module.connect.bind(module);
    vi.spyOn(module, 'connect').mockImplementation((...args: unknown[]) => {
      const host = String((args[0] as { host?: string }).host);
      sockets.push(host);
      if (net.isIP(host) && host !== '127.0.0.1') throw new Error(`test guard: refusing to dial ${host}`);
      return connect(...args);
    });
  }
});

/**
 * A client whose names resolve only through `records` (answered asynchronously, as DNS is), and which records every
 * address it is about to dial. Anything but loopback is stopped before the dial, so a policy bug fails the test
 * instead of reaching a real network.
 */
function clientWith(policy: TargetPolicy, records: Record<string, string[]>) {
  const asked: string[] = [];
  const dialled: string[] = [];
  const lookup: Lookup = (hostname, _options, callback) => {
    asked.push(hostname);
    const addresses = records[hostname];
    setImmediate(() => {
      if (!addresses)
        return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(
        null,
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    });
  };
  const client: DeliveryHttpClient = createDeliveryHttpClient({
    policy,
    responseExcerptBytes: 1024,
    maxConnectionsPerOrigin: 4,
    lookup,
    onConnect: ({ address }) => {
      dialled.push(address);
      if (address !== '127.0.0.1') throw new Error(`test guard: refusing to dial ${address}`);
    },
  });
  cleanups.push(() => client.close());
  return { client, asked, dialled };
}

const post = (client: DeliveryHttpClient, url: string) =>
  client.post({
    url,
    body: '{"type":"order.created"}',
    headers: { 'content-type': 'application/json' },
    timeoutMs: 5_000,
  });

async function startServer() {
  const received: Array<{ host: string | undefined; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ host: req.headers.host, body: Buffer.concat(chunks).toString('utf8') });
      res.end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as AddressInfo).port, received };
}

describe('delivery HTTP client under the public policy', () => {
  const publicOnly = createTargetPolicy({ allowedNetworks: ['public'], allowHttp: false });

  it.each([
    ['127.0.0.1', [['127.0.0.1']], /address 127\.0\.0\.1 \(loopback\)/],
    ['::127.0.0.1', [['::127.0.0.1']], /address ::127\.0\.0\.1 \(IPv4-compatible, embeds 127\.0\.0\.1, loopback\)/],
    ['169.254.169.254', [['169.254.169.254']], /address 169\.254\.169\.254 \(link-local\)/],
    ['::ffff:169.254.169.254', [['::ffff:169.254.169.254']], /IPv4-mapped, embeds 169\.254\.169\.254, link-local/],
    ['64:ff9b::a9fe:a9fe', [['64:ff9b::a9fe:a9fe']], /NAT64, embeds 169\.254\.169\.254, link-local/],
    ['2002:7f00:1::1', [['2002:7f00:1::1']], /6to4, embeds 127\.0\.0\.1, loopback/],
    ['127.1 (non-standard)', [['127.1']], /127\.1 is not an IP address in standard notation/],
    [
      'a mix of internal addresses',
      [
        [
          '::127.0.0.1',
          '169.254.169.254',
          '::ffff:127.0.0.1',
          '10.0.0.1',
          'fd00::1',
          '2001:0:4136:e378:8000:63bf:3fff:fdd2',
        ],
      ],
      /address ::127\.0\.0\.1 \(IPv4-compatible, embeds 127\.0\.0\.1, loopback\)/,
    ],
  ])('blocks evil.example resolving to %s without dialling', async (_, [addresses], reason) => {
    const { client, asked, dialled } = clientWith(publicOnly, { 'evil.example': addresses! });
    const outcome = await post(client, 'https://evil.example/hook');
    expect(outcome).toMatchObject({ ok: false, statusCode: null, responseExcerpt: null });
    expect(outcome.error).toMatch(/^blocked: evil\.example: /);
    expect(outcome.error).toMatch(reason);
    expect(asked).toContain('evil.example');
    expect(dialled).toEqual([]);
    expect(sockets).toEqual(['evil.example']);
  });

  it.each([
    'https://[::127.0.0.1]/hook',
    'https://[::169.254.169.254]/latest/meta-data',
    'https://[::ffff:7f00:1]/x',
    'https://[64:ff9b::a9fe:a9fe]/x',
    'https://[2002:a9fe:a9fe::1]/x',
    'https://0x7f.1/x',
    'https://2852039166/latest/meta-data',
    'https://localhost/x',
  ])('blocks the IP literal in %s before any lookup or connection', async (url) => {
    const { client, asked, dialled } = clientWith(publicOnly, {});
    const outcome = await post(client, url);
    expect(outcome).toMatchObject({ ok: false, statusCode: null, responseExcerpt: null });
    expect(outcome.error).toMatch(/^blocked: address .* is outside HERALD_ALLOWED_NETWORKS=public$/);
    expect(asked).toEqual([]);
    expect(dialled).toEqual([]);
    expect(sockets).toEqual([]);
  });
});

describe('delivery HTTP client under an allow-list', () => {
  const loopback = createTargetPolicy({ allowedNetworks: ['127.0.0.0/8'], allowHttp: true });

  it('delivers to an allowed address the name resolves to', async () => {
    const server = await startServer();
    const { client, asked, dialled } = clientWith(loopback, { 'receiver.test': ['127.0.0.1'] });
    const outcome = await post(client, `http://receiver.test:${server.port}/hook`);
    expect(outcome).toMatchObject({ ok: true, statusCode: 200, error: null, responseExcerpt: 'thanks' });
    const [request] = await waitFor(() => server.received.length === 1 && server.received, {
      what: 'the delivery to arrive',
    });
    expect(request).toEqual({ host: `receiver.test:${server.port}`, body: '{"type":"order.created"}' });
    expect(asked).toEqual(['receiver.test']);
    expect(dialled).toEqual(['127.0.0.1']);
    expect(sockets).toEqual(['receiver.test']);
  });

  it('dials only the allowed addresses among those a name resolves to', async () => {
    const server = await startServer();
    const { client, dialled } = clientWith(loopback, {
      'receiver.test': ['169.254.169.254', '::ffff:10.0.0.1', '::1', '127.0.0.1'],
    });
    const outcome = await post(client, `http://receiver.test:${server.port}/hook`);
    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(server.received).toHaveLength(1);
    expect(dialled).toEqual(['127.0.0.1']);
  });

  it('blocks a name that resolves only outside the list', async () => {
    const { client, dialled } = clientWith(loopback, { 'receiver.test': ['10.0.0.1', '::1'] });
    const outcome = await post(client, 'http://receiver.test:9/hook');
    expect(outcome.error).toMatch(
      /^blocked: receiver\.test: address 10\.0\.0\.1 \(private\) is outside HERALD_ALLOWED_NETWORKS=127\.0\.0\.0\/8$/,
    );
    expect(dialled).toEqual([]);
  });
});
