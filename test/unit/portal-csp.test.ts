import { describe, expect, it } from 'vitest';
import { portalContentSecurityPolicy } from '../../server/http/portal-pages.js';

describe("the portal page's Content-Security-Policy", () => {
  it('runs only its own files, nothing inline, and is framed by Herald alone by default', () => {
    expect(portalContentSecurityPolicy([])).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'",
    );
  });

  it("adds the workspace's origins to frame-ancestors, and drops anything that is not an origin", () => {
    const policy = portalContentSecurityPolicy([
      'https://app.example.com',
      'https://*.example.org:8443',
      'http://[::1]:3000',
      "https://evil.example; script-src 'unsafe-inline'",
      '*',
      'javascript:alert(1)',
    ]);
    expect(policy).toContain(
      "frame-ancestors 'self' https://app.example.com https://*.example.org:8443 http://[::1]:3000;",
    );
    expect(policy).not.toContain('unsafe-inline');
    expect(policy.split('; ')).toHaveLength(9);
  });
});
