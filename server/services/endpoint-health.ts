import type { Db } from '../db/database.js';
import {
  disabledUnannounced,
  disableFailingWebhooks,
  discardParkedBeyondBounds,
  type EndpointNotice,
  endExpiredRotations,
  markAnnounced,
  markWarned,
  webhooksToWarn,
} from '../db/queries/endpoint-health.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { WorkflowGateway } from '../temporal/workflow-gateway.js';
import type { SweepResult } from '../../workflows/shared.js';
import { audit } from './audit.js';
import { publishEvents } from './publish-event.js';

export interface EndpointHealthSettings {
  /** Every delivery failing for this long disables the webhook. */
  disableAfterMs: number;
  /** Failing for this long (a share of the window) earns one warning. */
  warnAfterMs: number;
  /** Parked deliveries older than this, or beyond this many per webhook, are discarded. */
  parkedMaxAgeMs: number;
  parkedMaxCount: number;
}

/** Notices handled per sweep; the rest wait for the next one. */
const NOTICES_PER_SWEEP = 100;

/**
 * Herald's periodic look at its endpoints (run by the reconciler): it warns once about a webhook that has failed for
 * part of the window (`webhook.failing`), disables one that failed for all of it, announces every disabling
 * (`webhook.disabled`, also after a 410 Gone), discards parked deliveries past the bounds and forgets rotated-out
 * secrets whose grace period is over. Each notice is an audit entry and an event delivered through Herald itself to
 * the workspace's webhooks that subscribe to it, never to the webhook it is about. Notices have stable ids, so a
 * sweep repeated after a crash publishes each at most once.
 */
export async function sweepEndpointHealth(
  deps: { db: Db; workflows: WorkflowGateway; logger: Logger; metrics: Metrics },
  settings: EndpointHealthSettings,
): Promise<SweepResult> {
  const result: SweepResult = { warned: 0, disabled: 0, announced: 0, discarded: 0, rotationsEnded: 0 };
  result.rotationsEnded = await endExpiredRotations(deps.db);
  result.disabled = await disableFailingWebhooks(deps.db, settings.disableAfterMs);

  for (const notice of await webhooksToWarn(deps.db, settings.warnAfterMs, NOTICES_PER_SWEEP)) {
    await publishNotice(deps, 'webhook.failing', notice, notice.failingSince!);
    const marked = await deps.db.transaction().execute(async (trx) => {
      if (!(await markWarned(trx, notice.webhookId, notice.failingSince!))) return false;
      await audit(trx, null, { action: 'webhooks.failing', ...entity(notice), after: describe(notice) });
      return true;
    });
    if (marked) {
      result.warned += 1;
      deps.logger.warn(
        { webhookId: notice.webhookId, failingSince: notice.failingSince },
        'webhook has been failing; warned',
      );
    }
  }

  for (const notice of await disabledUnannounced(deps.db, NOTICES_PER_SWEEP)) {
    await publishNotice(deps, 'webhook.disabled', notice, notice.disabledAt!);
    const marked = await deps.db.transaction().execute(async (trx) => {
      if (!(await markAnnounced(trx, notice.webhookId, notice.disabledAt!))) return false;
      await audit(trx, null, {
        action: 'webhooks.disabled',
        ...entity(notice),
        before: { disabledReason: null },
        after: describe(notice),
      });
      return true;
    });
    if (marked) {
      result.announced += 1;
      deps.metrics.webhooksDisabled.inc({ reason: notice.disabledReason ?? 'unknown' });
      deps.logger.warn({ webhookId: notice.webhookId, reason: notice.disabledReason }, 'webhook disabled by Herald');
    }
  }

  result.discarded = await discardParkedBeyondBounds(deps.db, {
    maxAgeMs: settings.parkedMaxAgeMs,
    maxCount: settings.parkedMaxCount,
  });
  if (result.discarded > 0) {
    deps.metrics.discardedDeliveries.inc(result.discarded);
    deps.logger.warn({ discarded: result.discarded }, 'parked deliveries discarded past the bounds');
  }
  return result;
}

async function publishNotice(
  deps: { db: Db; workflows: WorkflowGateway },
  type: 'webhook.failing' | 'webhook.disabled',
  notice: EndpointNotice,
  at: Date,
): Promise<void> {
  await publishEvents(
    deps,
    notice.scope,
    [{ id: `${type}:${notice.webhookId}:${at.getTime()}`, type, data: describe(notice) }],
    {
      notice: { about: notice.webhookId },
    },
  );
}

function entity(notice: EndpointNotice) {
  return {
    entityType: 'webhook',
    entityId: notice.webhookId,
    workspaceId: notice.scope.workspaceId,
    mode: notice.scope.mode,
  };
}

/** What a notice says about the webhook (never its secret). */
function describe(notice: EndpointNotice): Record<string, unknown> {
  return {
    webhookId: notice.webhookId,
    url: notice.url,
    failingSince: notice.failingSince?.toISOString() ?? null,
    lastFailureAt: notice.lastFailureAt?.toISOString() ?? null,
    consecutiveFailures: notice.consecutiveFailures,
    disabledReason: notice.disabledReason,
    disabledAt: notice.disabledAt?.toISOString() ?? null,
  };
}
