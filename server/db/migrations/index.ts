import type { Migration } from 'kysely';
import * as initialSchema from './2026-11-25T10-00-initial-schema.js';
import * as deliveriesByEventIndex from './2026-11-25T14-00-deliveries-by-event-index.js';
import * as workspacesKeysCatalogAudit from './2026-11-25T16-00-workspaces-keys-catalog-audit.js';
import * as deliveryOwnershipAndLeases from './2026-11-29T22-00-delivery-ownership-and-leases.js';
import * as signaturesHealthParking from './2026-11-30T00-00-signatures-health-parking.js';
import * as retention from './2026-11-30T02-00-retention.js';
import * as portal from './2026-11-30T04-00-portal.js';
import * as scheduledSends from './2026-11-30T04-00-scheduled-sends.js';
import * as payloadRetention from './2026-11-30T04-10-payload-retention.js';
import * as attemptStream from './2026-11-30T04-20-attempt-stream.js';
import * as payloadFilters from './2026-11-30T04-30-payload-filters.js';
import * as rateLimits from './2026-11-30T04-40-rate-limits.js';
import * as orderingKeys from './2026-11-30T06-00-ordering-keys.js';
import * as adaptiveRate from './2026-11-30T06-10-adaptive-rate.js';

/** Every migration, in order. Names sort by their timestamp prefix. */
export const migrations: Record<string, Migration> = {
  '2026-11-25T10-00-initial-schema': initialSchema,
  '2026-11-25T14-00-deliveries-by-event-index': deliveriesByEventIndex,
  '2026-11-25T16-00-workspaces-keys-catalog-audit': workspacesKeysCatalogAudit,
  '2026-11-29T22-00-delivery-ownership-and-leases': deliveryOwnershipAndLeases,
  '2026-11-30T00-00-signatures-health-parking': signaturesHealthParking,
  '2026-11-30T02-00-retention': retention,
  '2026-11-30T04-00-portal': portal,
  '2026-11-30T04-00-scheduled-sends': scheduledSends,
  '2026-11-30T04-10-payload-retention': payloadRetention,
  '2026-11-30T04-20-attempt-stream': attemptStream,
  '2026-11-30T04-30-payload-filters': payloadFilters,
  '2026-11-30T04-40-rate-limits': rateLimits,
  '2026-11-30T06-00-ordering-keys': orderingKeys,
  '2026-11-30T06-10-adaptive-rate': adaptiveRate,
};
