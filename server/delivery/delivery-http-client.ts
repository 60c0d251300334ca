import dns from 'node:dns';
import net from 'node:net';
import { Agent, errors, request } from 'undici';
import { createOriginGates } from './origin-gate.js';
import { hostAddress, type TargetPolicy } from './target-policy.js';

export interface PostOutcome {
  ok: boolean;
  statusCode: number | null;
  /** Set when the attempt failed: the HTTP status, the timeout, or the connection error, in words. */
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
  /** The endpoint's `Retry-After`, when it sent one. */
  retryAfter?: string | null;
}

export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** How long the endpoint has to answer, counted from when the request goes out. */
  timeoutMs: number;
  /**
   * When the request must be over (epoch ms), whatever `timeoutMs` says: the end of the attempt's lease. A request
   * that cannot get a connection in time is not sent at all.
   */
  deadline?: number;
}

export interface DeliveryHttpClient {
  post(request: PostRequest): Promise<PostOutcome>;
  close(): Promise<void>;
}

export interface DeliveryHttpClientOptions {
  policy: TargetPolicy;
  responseExcerptBytes: number;
  maxConnectionsPerOrigin: number;
  /** Resolves a host name to every address it has; `dns.lookup` unless a test stands in its own names. */
  lookup?: (
    hostname: string,
    options: dns.LookupAllOptions,
    callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
  ) => void;
  /**
   * Sees each resolved address the policy allowed, just before the socket may dial it; if it throws, the connection
   * fails with that error instead. Tests use it to prove a refused address is never dialled, without risking the
   * dial. (IP literals never get here: `post` judges them before any connection.)
   */
  onConnect?: (target: { hostname: string; address: string; family: number }) => void;
}

/** A request with less time than this left before its deadline is not sent: it could not get an answer. */
const MIN_WINDOW_MS = 250;

/** After the excerpt is full, keep draining this much so the connection can be reused; beyond it, drop it. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

/**
 * POSTs deliveries over kept-alive connections (undici). Redirects are never followed: a 3xx is a failed attempt,
 * and following one would let an endpoint bounce Herald to an address the policy refuses.
 */
export function createDeliveryHttpClient(options: DeliveryHttpClientOptions): DeliveryHttpClient {
  const { policy } = options;
  const resolve = options.lookup ?? dns.lookup;
  // Same limit as the agent's pool, so undici never queues a request out of sight of the attempt's clock.
  const gates = createOriginGates(options.maxConnectionsPerOrigin);
  const agent = new Agent({
    connections: options.maxConnectionsPerOrigin,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connect: {
      // Every address is checked as it is dialled, after DNS, so rebinding cannot reach a refused address.
      lookup: (hostname, lookupOptions, callback) => {
        resolve(hostname, { ...lookupOptions, all: true }, (error, list) => {
          if (error) return callback(error, '', 0);
          const allowed = list.filter((entry) => !policy.refuseAddress(entry.address));
          if (allowed.length === 0) {
            const reason = list[0] ? policy.refuseAddress(list[0].address) : 'no address';
            return callback(new TargetRefusedError(`${hostname}: ${reason}`), '', 0);
          }
          const dialled = lookupOptions.all ? allowed : allowed.slice(0, 1);
          try {
            for (const entry of dialled)
              options.onConnect?.({ hostname, address: entry.address, family: entry.family });
          } catch (refusal) {
            return callback(refusal as Error, '', 0);
          }
          if (lookupOptions.all) return (callback as unknown as AllCallback)(null, dialled);
          return callback(null, dialled[0]!.address, dialled[0]!.family);
        });
      },
    },
  });

  return {
    async post(req) {
      const url = new URL(req.url);
      const host = hostAddress(url);
      // Node skips `lookup` for IP literals, so those are checked here.
      const refused = net.isIP(host) ? policy.refuseAddress(host) : undefined;
      if (refused) return failure(null, `blocked: ${refused}`, 0, null);
      const deadline = req.deadline ?? Number.POSITIVE_INFINITY;
      const queuedAt = Date.now();
      const release = await gates.acquire(url.origin, Math.min(deadline - queuedAt - MIN_WINDOW_MS, 2 ** 31 - 1));
      if (!release) {
        const waited = Date.now() - queuedAt;
        return failure(
          null,
          `not sent: all ${options.maxConnectionsPerOrigin} connections to this endpoint stayed busy for ${waited} ms`,
          0,
          null,
        );
      }
      const timeoutMs = Math.max(1, Math.min(req.timeoutMs, deadline - Date.now()));
      const started = performance.now();
      // A timeout is recorded as the time it allowed: any excess is this process catching up, not the endpoint.
      const elapsed = (timedOut = false) => (timedOut ? timeoutMs : Math.round(performance.now() - started));
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        const response = await request(url, {
          method: 'POST',
          body: req.body,
          headers: req.headers,
          dispatcher: agent,
          signal: timeout,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const excerpt = await readExcerpt(response.body, options.responseExcerptBytes);
        const status = response.statusCode;
        if (status >= 200 && status < 300)
          return { ok: true, statusCode: status, error: null, durationMs: elapsed(), responseExcerpt: excerpt };
        const why = status >= 300 && status < 400 ? `redirect ${status} not followed` : `HTTP ${status}`;
        const retryAfter = response.headers['retry-after'];
        return {
          ...failure(status, why, elapsed(), excerpt),
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        };
      } catch (error) {
        if (timeout.aborted)
          return failure(null, `timeout: no complete response within ${timeoutMs} ms`, elapsed(true), null);
        return failure(null, describeNetworkError(error), elapsed(), null);
      } finally {
        release();
      }
    },
    close: () => agent.close(),
  };
}

type AllCallback = (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void;

class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
}

function failure(
  statusCode: number | null,
  error: string,
  durationMs: number,
  responseExcerpt: string | null,
): PostOutcome {
  return { ok: false, statusCode, error, durationMs, responseExcerpt };
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.length;
    if (kept < limit) {
      const part = chunk.subarray(0, limit - kept);
      chunks.push(part);
      kept += part.length;
    }
    if (seen > limit + DRAIN_LIMIT_BYTES) {
      body.destroy();
      break;
    }
  }
  if (seen === 0) return null;
  // A cut may split a multi-byte character; the decoder replaces the fragment rather than failing. NUL characters,
  // which Postgres text cannot hold, are replaced too: an endpoint's answer must never break the attempt record.
  return Buffer.concat(chunks).toString('utf8').replaceAll('\u0000', '\uFFFD');
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  if (cause instanceof TargetRefusedError || error instanceof TargetRefusedError) {
    return `blocked: ${(cause as Error).message}`;
  }
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError)
    return 'timeout: the endpoint stopped answering';
  const code = (cause as NodeJS.ErrnoException).code ?? (error as NodeJS.ErrnoException).code;
  const messages: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset by the endpoint',
    ENOTFOUND: 'DNS lookup failed: host not found',
    EAI_AGAIN: 'DNS lookup failed temporarily',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    UND_ERR_SOCKET: 'connection closed by the endpoint',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  };
  if (code && messages[code]) return messages[code];
  const message = (cause as Error).message ?? String(cause);
  if (/certificate|SSL|TLS/i.test(message)) return `TLS error: ${message}`;
  return code ? `${code}: ${message}` : message;
}
