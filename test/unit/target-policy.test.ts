import { describe, expect, it } from 'vitest';
import { createTargetPolicy } from '../../activities/http/target-policy.js';
import { loadConfig } from '../../server/config.js';

describe('target policy', () => {
  const production = createTargetPolicy(loadConfig({ NODE_ENV: 'production' }).delivery);
  const loopbackOnly = createTargetPolicy({ allowedNetworks: ['127.0.0.0/8', '::1'], allowHttp: true });
  const anything = createTargetPolicy(loadConfig({ NODE_ENV: 'development' }).delivery);

  it('lets production reach public addresses only', () => {
    expect(production.refuseAddress('93.184.216.34')).toBeUndefined();
    expect(production.refuseAddress('2606:2800:220:1:248:1893:25c8:1946')).toBeUndefined();
    for (const internal of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fc00::1', 'fe80::1', '::ffff:10.0.0.1']) {
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
    for (const url of ['not a url', 'ftp://example.com', 'https://user:pass@example.com/', 'https://example.com/#frag', 'javascript:alert(1)']) {
      expect(anything.refuseUrl(url), url).toBeDefined();
    }
  });
});
