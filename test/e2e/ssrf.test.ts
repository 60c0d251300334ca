import { describe, expect, it } from 'vitest';
import { failure } from '../support/errors.js';
import { useStack } from '../support/stack.js';

// Production settings: only globally routable addresses, https only.

const events = ['order.created'];

// IPv6 literals that carry loopback or the cloud metadata address. None of them is ever dialled: saving refuses them.
const smuggled: Array<[string, RegExp]> = [
  [
    'https://[::127.0.0.1]/hook',
    /address ::127\.0\.0\.1 \(IPv4-compatible, embeds 127\.0\.0\.1, loopback\) is outside HERALD_ALLOWED_NETWORKS=public/,
  ],
  [
    'https://[::169.254.169.254]/latest/meta-data',
    /address ::169\.254\.169\.254 \(IPv4-compatible, embeds 169\.254\.169\.254, link-local\)/,
  ],
  ['https://[::ffff:127.0.0.1]/x', /IPv4-mapped, embeds 127\.0\.0\.1, loopback/],
  ['https://[64:ff9b::a9fe:a9fe]/x', /NAT64, embeds 169\.254\.169\.254, link-local/],
  ['https://[2002:a9fe:a9fe::1]/x', /6to4, embeds 169\.254\.169\.254, link-local/],
  ['https://0x7f.1/x', /address 127\.0\.0\.1 \(loopback\)/],
];

async function storedUrls(): Promise<string[]> {
  const rows = await stack.herald.db.selectFrom('webhooks').select('url').execute();
  return rows.map((row) => row.url);
}

const stack = useStack({ env: { HERALD_ALLOWED_NETWORKS: 'public', HERALD_ALLOW_HTTP: 'false' } });
describe('webhook URLs that smuggle an internal IPv4 address', () => {
  it.each(smuggled)('refuses to create a webhook for %s', async (url, reason) => {
    const error = await failure(stack.herald.client.webhooks.create.mutate({ url, events }));
    expect(error.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    expect(error.data.issues).toEqual([{ path: 'url', message: expect.stringMatching(reason) }]);
    expect(error.message).toContain('url');
    expect(await storedUrls()).not.toContain(url);
  });

  it.each(smuggled)('refuses to point an existing webhook at %s', async (url, reason) => {
    // Saving a host name does not dial it, so a public name is a safe starting point.
    const created = await stack.herald.client.webhooks.create.mutate({ url: 'https://hooks.example.com/x', events });
    const error = await failure(stack.herald.client.webhooks.update.mutate({ id: created.id, url }));
    expect(error.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    expect(error.data.issues).toEqual([{ path: 'url', message: expect.stringMatching(reason) }]);
    expect((await stack.herald.client.webhooks.get.query({ id: created.id })).url).toBe('https://hooks.example.com/x');
  });

  it('stored none of them, so no event can ever be delivered to one', async () => {
    const urls = await storedUrls();
    for (const [url] of smuggled) expect(urls).not.toContain(url);
    expect(urls.every((url) => url === 'https://hooks.example.com/x')).toBe(true);
  });
});
