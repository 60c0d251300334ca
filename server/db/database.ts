import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ApiKeysTable } from './tables/api-keys.table.js';
import type { AuditLogTable } from './tables/audit-log.table.js';
import type { DeliveriesTable } from './tables/deliveries.table.js';
import type { DeliveryAttemptsTable } from './tables/delivery-attempts.table.js';
import type { EventTypesTable } from './tables/event-types.table.js';
import type { EventsTable } from './tables/events.table.js';
import type { PortalSessionsTable } from './tables/portal-sessions.table.js';
import type { WebhooksTable } from './tables/webhooks.table.js';
import type { WorkspacesTable } from './tables/workspaces.table.js';

export interface Database {
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  event_types: EventTypesTable;
  audit_log: AuditLogTable;
  webhooks: WebhooksTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  portal_sessions: PortalSessionsTable;
}

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  applicationName: string;
}

export function createDatabase(options: DatabaseOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    application_name: options.applicationName,
    // Fail fast with a clear error instead of hanging when Postgres is down.
    connectionTimeoutMillis: 10_000,
  });
  // A connection lost while Postgres restarts must not crash the process. The pool reports idle clients here and
  // replaces them; a client checked out at that moment (a transaction waiting on a lock) emits the error on
  // itself, with no listener unless this one, and its query fails with the error instead.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
