import { describe, expect, it } from 'vitest';
import { createTargetPolicy, validateNetworks } from '../../server/delivery/target-policy.js';
import { loadConfig } from '../../server/config.js';

describe('target policy', () => {
  const production = createTargetPolicy(loadConfig({ NODE_ENV: 'production' }).delivery);
  const loopbackOnly = createTargetPolicy({ allowedNetworks: ['127.0.0.0/8', '::1'], allowHttp: true });
  const anything = createTargetPolicy(loadConfig({ NODE_ENV: 'development' }).delivery);

  it('lets production reach public addresses only', () => {
    expect(production.refuseAddress('93.184.216.34')).toBeUndefined();
    expect(production.refuseAddress('2606:2800:220:1:248:1893:25c8:1946')).toBeUndefined();
    for (const internal of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fc00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ]) {
      expect(production.refuseAddress(internal), internal).toMatch(/outside HERALD_ALLOWED_NETWORKS/);
    }
  });

  it('requires https in production and refuses private literals when a webhook is saved', () => {
    expect(production.refuseUrl('https://hooks.example.com/x')).toBeUndefined();
    expect(production.refuseUrl('http://hooks.example.com/x')).toMatch(/https/);
    expect(production.refuseUrl('https://10.0.0.5/x')).toMatch(/private/);
    expect(production.refuseUrl('https://[::ffff:127.0.0.1]/x')).toMatch(/loopback/);
    expect(production.refuseUrl('https://localhost/x')).toMatch(/loopback/);
  });

  it('keeps a loopback-only policy on loopback', () => {
    expect(loopbackOnly.refuseUrl('http://127.0.0.1:4000/hook')).toBeUndefined();
    expect(loopbackOnly.refuseUrl('http://[::1]:4000/hook')).toBeUndefined();
    expect(loopbackOnly.refuseAddress('8.8.8.8')).toBeDefined();
    expect(loopbackOnly.refuseUrl('https://8.8.8.8/')).toBeDefined();
  });

  it('allows any address in development', () => {
    expect(anything.refuseUrl('http://192.168.1.10:8080/hook')).toBeUndefined();
  });

  it('refuses URLs that are not plain http(s) endpoints', () => {
    for (const url of [
      'not a url',
      'ftp://example.com',
      'https://user:pass@example.com/',
      'https://example.com/#frag',
      'javascript:alert(1)',
    ]) {
      expect(anything.refuseUrl(url), url).toBeDefined();
    }
  });
});

describe('the public policy', () => {
  const policy = createTargetPolicy({ allowedNetworks: ['public'], allowHttp: false });

  // Every address here is refused, and the message says what the address is (or what it carries).
  const internal: Array<[string, RegExp]> = [
    // IPv4 outside the unicast space
    ['0.0.0.0', /\(this network\)/],
    ['0.1.2.3', /\(this network\)/],
    ['224.0.0.1', /\(multicast\)/],
    ['239.255.255.250', /\(multicast\)/],
    ['240.0.0.1', /\(reserved\)/],
    ['254.1.2.3', /\(reserved\)/],
    ['255.255.255.255', /\(broadcast\)/],
    // IPv4 special-purpose blocks inside it
    ['10.0.0.1', /\(private\)/],
    ['10.255.255.254', /\(private\)/],
    ['172.16.0.1', /\(private\)/],
    ['172.31.255.254', /\(private\)/],
    ['192.168.1.1', /\(private\)/],
    ['127.0.0.1', /\(loopback\)/],
    ['127.255.255.254', /\(loopback\)/],
    ['169.254.169.254', /\(link-local\)/],
    ['100.64.0.1', /\(carrier-grade NAT\)/],
    ['100.127.255.254', /\(carrier-grade NAT\)/],
    ['192.0.0.8', /\(IETF protocol assignment\)/],
    ['192.0.0.9', /\(IETF protocol assignment\)/],
    ['192.0.2.1', /\(documentation\)/],
    ['198.51.100.7', /\(documentation\)/],
    ['203.0.113.9', /\(documentation\)/],
    ['198.18.0.1', /\(benchmarking\)/],
    ['198.19.255.254', /\(benchmarking\)/],
    ['192.31.196.1', /\(AS112 DNS sink\)/],
    ['192.52.193.1', /\(AMT relay\)/],
    ['192.88.99.1', /\(6to4 relay anycast\)/],
    ['192.175.48.1', /\(AS112 DNS sink\)/],
    // IPv6 outside global unicast
    ['::', /\(unspecified\)/],
    ['::1', /\(loopback\)/],
    ['0:0:0:0:0:0:0:1', /\(loopback\)/],
    ['100::1', /\(discard\)/],
    ['fc00::1', /\(unique local\)/],
    ['fd12::1', /\(unique local\)/],
    ['fe80::1', /\(link-local\)/],
    ['fe80::1%eth0', /address fe80::1 \(link-local\)/],
    ['fec0::1', /\(site-local\)/],
    ['ff02::1', /\(multicast\)/],
    ['5f00::1', /\(SRv6 segment identifier\)/],
    ['4000::1', /\(reserved\)/],
    ['64:ff9b:1::1', /\(local-use NAT64\)/],
    ['64:ff9b:1::808:808', /\(local-use NAT64\)/],
    // IPv6 special-purpose blocks inside global unicast
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /\(Teredo\)/],
    ['2001::1', /\(Teredo\)/],
    ['2001:2::1', /\(benchmarking\)/],
    ['2001:10::1', /\(IETF protocol assignment\)/],
    ['2001:db8::1', /\(documentation\)/],
    ['3fff::1', /\(documentation\)/],
    ['2620:4f:8000::1', /\(AS112 DNS sink\)/],
    // IPv6 forms that carry an internal IPv4 address
    [
      '::127.0.0.1',
      /address ::127\.0\.0\.1 \(IPv4-compatible, embeds 127\.0\.0\.1, loopback\) is outside HERALD_ALLOWED_NETWORKS=public$/,
    ],
    ['::7f00:1', /embeds 127\.0\.0\.1, loopback/],
    ['0:0:0:0:0:0:127.0.0.1', /embeds 127\.0\.0\.1, loopback/],
    ['::169.254.169.254', /IPv4-compatible, embeds 169\.254\.169\.254, link-local/],
    ['::a9fe:a9fe', /embeds 169\.254\.169\.254, link-local/],
    ['::10.0.0.1', /embeds 10\.0\.0\.1, private/],
    ['::0.0.0.2', /embeds 0\.0\.0\.2, this network/],
    ['::ffff:127.0.0.1', /IPv4-mapped, embeds 127\.0\.0\.1, loopback/],
    ['::ffff:7f00:1', /IPv4-mapped, embeds 127\.0\.0\.1, loopback/],
    ['::FFFF:7F00:1', /IPv4-mapped, embeds 127\.0\.0\.1, loopback/],
    ['::ffff:169.254.169.254', /embeds 169\.254\.169\.254, link-local/],
    ['::ffff:10.0.0.1', /embeds 10\.0\.0\.1, private/],
    ['::ffff:0.0.0.0', /embeds 0\.0\.0\.0, this network/],
    ['::ffff:0:127.0.0.1', /IPv4-translated, embeds 127\.0\.0\.1, loopback/],
    ['::ffff:0:a9fe:a9fe', /IPv4-translated, embeds 169\.254\.169\.254, link-local/],
    ['64:ff9b::7f00:1', /NAT64, embeds 127\.0\.0\.1, loopback/],
    ['64:ff9b::a9fe:a9fe', /NAT64, embeds 169\.254\.169\.254, link-local/],
    ['64:ff9b::192.168.0.1', /NAT64, embeds 192\.168\.0\.1, private/],
    ['2002:7f00:1::1', /6to4, embeds 127\.0\.0\.1, loopback/],
    ['2002:a9fe:a9fe::1', /6to4, embeds 169\.254\.169\.254, link-local/],
    ['2002:c0a8:101::1', /6to4, embeds 192\.168\.1\.1, private/],
    ['2002:c058:6301::1', /6to4, embeds 192\.88\.99\.1, 6to4 relay anycast/],
  ];

  it.each(internal)('refuses %s', (address, reason) => {
    const refused = policy.refuseAddress(address);
    expect(refused).toMatch(/is outside HERALD_ALLOWED_NETWORKS=public$/);
    expect(refused).toMatch(reason);
  });

  const reachable = [
    '8.8.8.8',
    '1.1.1.1',
    '1.0.0.1',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.1',
    '172.15.255.255',
    '172.32.0.1',
    '192.0.1.1',
    '198.17.255.255',
    '223.255.255.254',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2606:2800:220:1:248:1893:25c8:1946',
    '2a00:1450:4001:80b::200e',
    '2001:200::1',
    // Forms that carry a public IPv4 address reach that address.
    '64:ff9b::808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    '::ffff:8.8.8.8',
  ];

  it.each(reachable)('allows %s', (address) => {
    expect(policy.refuseAddress(address)).toBeUndefined();
  });

  // What a resolver should never hand over; some parsers read these as loopback, so they are refused outright.
  const nonStandard = [
    '127.1',
    '0x7f.1',
    '0x7f000001',
    '0x7f.0.0.1',
    '2130706433',
    '0177.0.0.1',
    '017700000001',
    '127.0.0.01',
    '127.000.000.001',
    '1.2.3.4.5',
    '256.0.0.1',
    '127.0.0.1%eth0',
    ' 127.0.0.1',
    '127.0.0.1 ',
    '::ffff:127.1',
    '::ffff:0x7f.0.0.1',
    '::ffff:0177.0.0.1',
    '[::1]',
    'fe80::1%',
    '1::2::3',
    'localhost',
    '',
  ];

  it.each(nonStandard)('refuses the non-standard address %j under any explicit policy', (address) => {
    expect(policy.refuseAddress(address)).toMatch(/is not an IP address in standard notation/);
    expect(
      createTargetPolicy({ allowedNetworks: ['127.0.0.0/8', '::/0'], allowHttp: true }).refuseAddress(address),
    ).toMatch(/not an IP address/);
  });

  // The URL parser normalises odd IPv4 notations and IPv6 literals first; the policy judges what it produced.
  const urls: Array<[string, RegExp]> = [
    ['https://0x7f.1/', /address 127\.0\.0\.1 \(loopback\)/],
    ['https://2130706433/', /address 127\.0\.0\.1 \(loopback\)/],
    ['https://0177.0.0.1/', /address 127\.0\.0\.1 \(loopback\)/],
    ['https://127.1/', /address 127\.0\.0\.1 \(loopback\)/],
    ['https://0x7f000001/', /address 127\.0\.0\.1 \(loopback\)/],
    ['https://127.0.0.1./', /address 127\.0\.0\.1 \(loopback\)/],
    ['https://0xa9.0xfe.0xa9.0xfe/latest/meta-data', /address 169\.254\.169\.254 \(link-local\)/],
    ['https://2852039166/latest/meta-data', /address 169\.254\.169\.254 \(link-local\)/],
    ['https://0251.0376.0251.0376/latest/meta-data', /address 169\.254\.169\.254 \(link-local\)/],
    ['https://localhost./', /loopback/],
    ['https://hooks.localhost/', /loopback/],
    ['https://[::ffff:7f00:1]/', /embeds 127\.0\.0\.1, loopback/],
    ['https://[0:0:0:0:0:ffff:127.0.0.1]/', /embeds 127\.0\.0\.1, loopback/],
    ['https://[::127.0.0.1]/hook', /address ::127\.0\.0\.1 \(IPv4-compatible, embeds 127\.0\.0\.1, loopback\)/],
    ['https://[::169.254.169.254]/latest/meta-data', /embeds 169\.254\.169\.254, link-local/],
    ['https://[64:ff9b::a9fe:a9fe]/x', /NAT64, embeds 169\.254\.169\.254, link-local/],
    ['https://[2002:a9fe:a9fe::]/x', /6to4, embeds 169\.254\.169\.254, link-local/],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x', /Teredo/],
    ['https://[fe80::1]/x', /link-local/],
    ['https://[::1]:8443/x', /loopback/],
  ];

  it.each(urls)('refuses the webhook URL %s', (url, reason) => {
    const refused = policy.refuseUrl(url);
    expect(refused).toMatch(/is outside HERALD_ALLOWED_NETWORKS=public$/);
    expect(refused).toMatch(reason);
  });

  it('accepts public literals and host names in webhook URLs (names are judged when dialled)', () => {
    for (const url of [
      'https://8.8.8.8/x',
      'https://[2606:4700:4700::1111]/x',
      'https://[64:ff9b::808:808]/x',
      'https://hooks.example.com/x',
      'https://0x7f.1.example.com/x',
    ]) {
      expect(policy.refuseUrl(url), url).toBeUndefined();
    }
  });
});

describe('explicit allow-lists', () => {
  it('judges IPv6 forms of an IPv4 address against the IPv4 entries', () => {
    const loopback = createTargetPolicy({ allowedNetworks: ['127.0.0.0/8', '::1/128'], allowHttp: true });
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '::127.0.0.1', '64:ff9b::7f00:1']) {
      expect(loopback.refuseAddress(address), address).toBeUndefined();
    }
    for (const address of [
      '10.0.0.1',
      '8.8.8.8',
      '::2',
      '::ffff:10.0.0.1',
      '169.254.169.254',
      'fe80::1',
      '2606:4700:4700::1111',
    ]) {
      expect(loopback.refuseAddress(address), address).toMatch(
        /outside HERALD_ALLOWED_NETWORKS=127\.0\.0\.0\/8,::1\/128/,
      );
    }
    expect(loopback.refuseUrl('http://[::ffff:127.0.0.1]:4000/hook')).toBeUndefined();
    expect(loopback.refuseUrl('http://0x7f.1:4000/hook')).toBeUndefined();
  });

  it('adds CIDR entries to public', () => {
    const policy = createTargetPolicy({ allowedNetworks: ['public', '10.20.0.0/16'], allowHttp: false });
    for (const address of ['10.20.3.4', '::ffff:10.20.3.4', '8.8.8.8', '2001:4860:4860::8888'])
      expect(policy.refuseAddress(address), address).toBeUndefined();
    for (const address of ['10.21.0.1', '127.0.0.1', '::127.0.0.1', '2002:7f00:1::1']) {
      expect(policy.refuseAddress(address), address).toMatch(/outside HERALD_ALLOWED_NETWORKS=public,10\.20\.0\.0\/16/);
    }
  });

  it('reads an IPv4-mapped entry as the IPv4 block it stands for', () => {
    const policy = createTargetPolicy({ allowedNetworks: ['::ffff:10.0.0.0/104'], allowHttp: true });
    expect(policy.refuseAddress('10.1.2.3')).toBeUndefined();
    expect(policy.refuseAddress('::ffff:10.1.2.3')).toBeUndefined();
    expect(policy.refuseAddress('11.0.0.1')).toBeDefined();
  });

  it('accepts only standard notation in HERALD_ALLOWED_NETWORKS', () => {
    for (const entry of [
      '10.0.0.0/8',
      '192.168.1.1',
      '::1',
      '::1/128',
      '2001:db8::/32',
      '::ffff:10.0.0.0/104',
      'public',
    ]) {
      expect(() => validateNetworks([entry]), entry).not.toThrow();
    }
    for (const entry of [
      '10.1/16',
      '127.1',
      '0x7f.0.0.1/8',
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/',
      '10.0.0.0/8/8',
      'fe80::/10%eth0',
      'fe80::1%eth0',
      'intranet',
    ]) {
      expect(() => validateNetworks([entry]), entry).toThrow(/is not a CIDR block/);
    }
  });
});
