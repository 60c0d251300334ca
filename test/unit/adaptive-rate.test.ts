import { describe, expect, it } from 'vitest';
import { adaptivePauseMs, adaptiveSamples, isOverloadSignal } from '../../server/delivery/adaptive-rate.js';

const failed = (statusCode: number | null, error: string, retryAfter?: string) => ({
  ok: false,
  statusCode,
  error,
  retryAfter: retryAfter ?? null,
});
const succeeded = { ok: true, statusCode: 200, error: null, retryAfter: null };

describe('adaptive rates: overload signals', () => {
  it('counts 429, 503, timeouts and dropped connections, and nothing else', () => {
    expect(isOverloadSignal(failed(429, 'HTTP 429'))).toBe(true);
    expect(isOverloadSignal(failed(503, 'HTTP 503'))).toBe(true);
    expect(isOverloadSignal(failed(null, 'timeout: no complete response within 5000 ms'))).toBe(true);
    expect(isOverloadSignal(failed(null, 'timeout: the endpoint stopped answering'))).toBe(true);
    expect(isOverloadSignal(failed(null, 'connection refused'))).toBe(true);
    expect(isOverloadSignal(failed(null, 'connection reset by the endpoint'))).toBe(true);
    expect(isOverloadSignal(failed(null, 'connection timed out'))).toBe(true);

    expect(isOverloadSignal(succeeded)).toBe(false);
    expect(isOverloadSignal(failed(500, 'HTTP 500'))).toBe(false);
    expect(isOverloadSignal(failed(404, 'HTTP 404'))).toBe(false);
    expect(isOverloadSignal(failed(302, 'redirect 302 not followed'))).toBe(false);
    expect(isOverloadSignal(failed(null, 'blocked: 10.0.0.1 is not a public address'))).toBe(false);
    expect(
      isOverloadSignal(failed(null, 'not sent: all 64 connections to this endpoint stayed busy for 9000 ms')),
    ).toBe(false);
    expect(isOverloadSignal(failed(null, 'DNS lookup failed: host not found'))).toBe(false);
    expect(isOverloadSignal(failed(null, 'TLS error: certificate has expired'))).toBe(false);
  });
});

describe('adaptive rates: Retry-After holds the bucket', () => {
  const now = Date.parse('2026-11-30T06:00:00Z');
  it('honours seconds and dates on 429 and 503, bounded by the longest wait of the schedule', () => {
    expect(adaptivePauseMs({ statusCode: 429, retryAfter: '2' }, { now, longestMs: 60_000 })).toBe(2_000);
    expect(
      adaptivePauseMs({ statusCode: 503, retryAfter: 'Mon, 30 Nov 2026 06:00:30 GMT' }, { now, longestMs: 60_000 }),
    ).toBe(30_000);
    expect(adaptivePauseMs({ statusCode: 429, retryAfter: '86400' }, { now, longestMs: 60_000 })).toBe(60_000);
  });
  it('holds nothing without a readable Retry-After, or on another answer', () => {
    expect(adaptivePauseMs({ statusCode: 429, retryAfter: null }, { now, longestMs: 60_000 })).toBe(0);
    expect(adaptivePauseMs({ statusCode: 429, retryAfter: 'soon' }, { now, longestMs: 60_000 })).toBe(0);
    expect(adaptivePauseMs({ statusCode: 500, retryAfter: '5' }, { now, longestMs: 60_000 })).toBe(0);
    expect(adaptivePauseMs({ statusCode: null, retryAfter: '5' }, { now, longestMs: 60_000 })).toBe(0);
  });
});

describe('adaptive rates: what a batch says about each webhook', () => {
  const args = { now: 0, longestMs: 10_000 };
  it('leaves healthy and configured-limit webhooks out, so their outcomes cost no statement', () => {
    expect(
      adaptiveSamples(
        [
          { webhookId: 'wh_healthy', limited: false, adaptive: false, outcome: succeeded },
          { webhookId: 'wh_healthy', limited: false, adaptive: false, outcome: failed(500, 'HTTP 500') },
          { webhookId: 'wh_limited', limited: true, adaptive: false, outcome: failed(429, 'HTTP 429', '3') },
        ],
        args,
      ),
    ).toEqual([]);
  });
  it('counts signals, successes while adaptive, and the longest bounded Retry-After, per webhook', () => {
    expect(
      adaptiveSamples(
        [
          { webhookId: 'wh_b', limited: false, adaptive: true, outcome: succeeded },
          { webhookId: 'wh_b', limited: false, adaptive: true, outcome: succeeded },
          { webhookId: 'wh_b', limited: false, adaptive: true, outcome: failed(500, 'HTTP 500') },
          { webhookId: 'wh_a', limited: false, adaptive: false, outcome: failed(429, 'HTTP 429', '3') },
          { webhookId: 'wh_a', limited: false, adaptive: false, outcome: failed(503, 'HTTP 503', '60') },
          { webhookId: 'wh_a', limited: false, adaptive: false, outcome: failed(null, 'connection refused') },
          { webhookId: 'wh_a', limited: false, adaptive: false, outcome: succeeded },
        ],
        args,
      ),
    ).toEqual([
      { webhookId: 'wh_a', signals: 3, successes: 0, pauseMs: 10_000 },
      { webhookId: 'wh_b', signals: 0, successes: 2, pauseMs: 0 },
    ]);
  });
});
