import { describe, expect, it } from 'vitest';
import { publicBaseUrl } from '../../server/http/public-url.js';

const listening = 'http://0.0.0.0:3000';

describe('the base URL the OpenAPI document names', () => {
  it('is the configured public URL whatever the request says', () => {
    expect(
      publicBaseUrl(
        'https://herald.example.com/',
        { host: 'internal:3000', 'x-forwarded-host': 'evil.example' },
        listening,
      ),
    ).toBe('https://herald.example.com');
  });

  it('otherwise comes from the first X-Forwarded-Proto and X-Forwarded-Host values', () => {
    expect(
      publicBaseUrl(
        undefined,
        {
          host: 'herald:3000',
          'x-forwarded-proto': 'https, http',
          'x-forwarded-host': 'api.example.com, proxy.internal',
        },
        listening,
      ),
    ).toBe('https://api.example.com');
    expect(publicBaseUrl(undefined, { host: 'herald:3000', 'x-forwarded-proto': 'HTTPS' }, listening)).toBe(
      'https://herald:3000',
    );
  });

  it('otherwise from Host, over http', () => {
    expect(publicBaseUrl(undefined, { host: 'localhost:3000' }, listening)).toBe('http://localhost:3000');
    expect(publicBaseUrl(undefined, { host: '[::1]:3000' }, listening)).toBe('http://[::1]:3000');
  });

  it('ignores header values that are not a plain host or protocol', () => {
    expect(
      publicBaseUrl(
        undefined,
        { host: 'herald:3000', 'x-forwarded-host': 'a.example/<script>', 'x-forwarded-proto': 'javascript' },
        listening,
      ),
    ).toBe('http://herald:3000');
    expect(publicBaseUrl(undefined, { host: 'bad host' }, listening)).toBe(listening);
    expect(publicBaseUrl(undefined, {}, listening)).toBe(listening);
  });
});
