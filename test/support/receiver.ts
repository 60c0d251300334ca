import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The body exactly as received. */
  rawBody: string;
  /** Date.now() when the body had fully arrived. */
  receivedAt: number;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer only after this long, to play a slow endpoint. */
  delayMs?: number;
  /** Send the status at once, then the body one byte every 200 ms for this long: an endpoint that trickles. */
  trickleMs?: number;
}

/** Decides each answer; `index` counts requests from 0. */
export type Behaviour = (request: ReceivedRequest, index: number) => Reply;

export interface Receiver {
  /** Base URL, such as http://127.0.0.1:41234; any path is accepted. */
  url: string;
  requests: ReceivedRequest[];
  behave(behaviour: Behaviour): void;
  /** Waits until at least `count` requests (optionally only those matching) have arrived. */
  waitForRequests(
    count: number,
    options?: { timeoutMs?: number; matching?: (r: ReceivedRequest) => boolean },
  ): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export const ok: Behaviour = () => ({ status: 200, body: 'OK' });

/** A real HTTP endpoint on 127.0.0.1 that records every request and answers as told. */
export async function startReceiver(behaviour: Behaviour = ok): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let current = behaviour;
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const index = requests.push(request) - 1;
      const reply = current(request, index);
      const send = () => {
        timers.delete(timer);
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        if (!reply.trickleMs) return res.end(reply.body ?? '');
        const until = Date.now() + reply.trickleMs;
        const drip = setInterval(() => (Date.now() > until ? (clearInterval(drip), res.end()) : res.write('.')), 200);
        res.on('close', () => clearInterval(drip));
      };
      const timer = setTimeout(send, reply.delayMs ?? 0);
      timers.add(timer);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    behave: (next) => {
      current = next;
    },
    waitForRequests: (count, options = {}) =>
      waitFor(
        () => {
          const matching = options.matching ? requests.filter(options.matching) : requests;
          return matching.length >= count ? matching : undefined;
        },
        { timeoutMs: options.timeoutMs ?? 20_000, what: `${count} request(s) at the receiver` },
      ),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
