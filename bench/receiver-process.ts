import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { failsFirstAttempt } from './flaky.js';

/**
 * The benchmark's webhook endpoint, in its own process so its work does not share an event loop with Herald or
 * the load generator. It answers at once, keeps connections alive and records every arrival. The first path
 * segment picks the behaviour: /ok → 200; /flaky30 → 500 to the first attempt of 30 % of events; /fail → 500.
 */

interface Arrival {
  path: string;
  eventId: string;
  attempt: number;
  /** process.hrtime.bigint() in ns: CLOCK_MONOTONIC, comparable across processes on this machine. */
  at: bigint;
}

const arrivals: Arrival[] = [];

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const at = process.hrtime.bigint();
    const path = req.url ?? '/';
    const behaviour = path.split('/')[1] ?? 'ok';
    const eventId = String(req.headers['x-webhook-id'] ?? '');
    const attempt = Number(req.headers['x-webhook-attempt'] ?? 0);
    arrivals.push({ path, eventId, attempt, at });
    const fail = behaviour === 'fail' || (behaviour === 'flaky30' && attempt === 1 && failsFirstAttempt(eventId));
    res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain', 'content-length': fail ? '4' : '2' });
    res.end(fail ? 'fail' : 'OK');
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;

/** Arrivals whose path starts with `prefix`, as [path, event id, attempt, ns]. */
process.on('message', (message: { type: string; prefix: string }) => {
  if (message.type === 'stats') {
    const list = arrivals.filter((a) => a.path.startsWith(message.prefix));
    process.send!({
      type: 'stats',
      requests: list.length,
      arrivals: list.map((a) => [a.path, a.eventId, a.attempt, a.at.toString()]),
    });
  }
});

server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'ready', port: (server.address() as AddressInfo).port });
});
