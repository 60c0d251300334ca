/**
 * Postgres or Temporal being unreachable is not a bug in the request: the API answers 503 with a Retry-After,
 * names the dependency in its log line, and the caller retries. These helpers tell such failures apart from
 * everything else, whichever library raised them.
 */
export type Dependency = 'postgres' | 'temporal';

/** Seconds a caller should wait before retrying while a dependency is down. */
export const RETRY_AFTER_SECONDS = 5;

// Socket-level codes (pg reports them as they come from `net`) and the SQLSTATEs of a server going away,
// shutting down, starting up or refusing connections.
const POSTGRES_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
]);
const POSTGRES_MESSAGES =
  /Connection terminated|terminating connection|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|the database system is (starting up|shutting down|in recovery mode)/i;
// gRPC status codes: 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED.
const TEMPORAL_GRPC_CODES = new Set([4, 14]);
const TEMPORAL_MESSAGES =
  /Cannot reach Temporal|transport error|tcp connect error|Connection refused|UNAVAILABLE|DEADLINE_EXCEEDED|deadline exceeded/i;

/** Which dependency the failure came from, if it is one of them being unreachable; undefined otherwise. */
export function unavailableDependency(error: unknown): Dependency | undefined {
  let fromTemporal = false;
  for (
    let current = error, depth = 0;
    current && depth < 6;
    current = (current as { cause?: unknown }).cause, depth++
  ) {
    const { name, code, message } = current as { name?: string; code?: unknown; message?: string };
    // The SDK wraps the gRPC error that carries the status code; once inside a Temporal error, its causes count.
    fromTemporal ||= isTemporalError(name);
    if (fromTemporal && (TEMPORAL_GRPC_CODES.has(code as number) || TEMPORAL_MESSAGES.test(message ?? '')))
      return 'temporal';
    if (typeof code === 'string' && POSTGRES_CODES.has(code)) return 'postgres';
    if (POSTGRES_MESSAGES.test(message ?? '')) return 'postgres';
  }
  return undefined;
}

function isTemporalError(name: string | undefined): boolean {
  return (
    name === 'ServiceError' || name === 'TransportError' || name === 'WorkflowStartError' || name === 'ConnectionError'
  );
}

const names: Record<Dependency, string> = { postgres: 'Postgres', temporal: 'Temporal' };

/** What the caller reads in the 503. */
export function unavailableMessage(dependency: Dependency): string {
  return `Herald cannot reach ${names[dependency]} right now. Retry in a few seconds (publishing again with the same event id is always safe).`;
}
