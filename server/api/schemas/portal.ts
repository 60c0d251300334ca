import { z } from 'zod';
import type { DeliveryAttemptRow } from '../../db/tables/delivery-attempts.table.js';
import type { DeliveryRow } from '../../db/tables/deliveries.table.js';
import { statusClasses } from '../../db/tables/deliveries.table.js';
import type { EventTypeRow } from '../../db/tables/event-types.table.js';
import type { WebhookRow } from '../../db/tables/webhooks.table.js';
import type { SignatureProfile } from '../../db/signature-profile.js';
import type { PortalSession } from '../../services/portal-sessions.js';
import type { WebhookHealth } from '../../services/portal.js';
import type { RecoveryStatus } from '../../temporal/workflow-gateway.js';
import { eventTypeName, idOf, isoTimestamp, limitInput, cursorInput, resourceId, toIso } from './common.js';
import { deliveryStatus, toDelivery } from './delivery.js';
import { sample } from './examples.js';
import { createWebhookInput } from './webhook.js';

/** The inputs and shapes of the endpoint owners' portal (its own tRPC router at /portal/trpc; no REST). */

const webhookId = idOf('webhook', sample.webhookId);
export const portalIdInput = z.object({ id: resourceId });

export const portalCreateWebhookInput = z.object({
  url: createWebhookInput.shape.url,
  events: createWebhookInput.shape.events,
  name: createWebhookInput.shape.name,
});

export const portalUpdateWebhookInput = z
  .object({
    id: webhookId,
    url: createWebhookInput.shape.url.optional(),
    events: createWebhookInput.shape.events.optional(),
    name: createWebhookInput.shape.name,
  })
  .refine((input) => input.url !== undefined || input.events !== undefined || input.name !== undefined, {
    message: 'nothing to update: pass at least one field',
  });

export const portalRotateSecretInput = z.object({
  id: webhookId,
  /** Seconds the previous secret stays honoured; 24 hours by default, at most 7 days. */
  gracePeriod: z.number().int().min(0).max(604_800).default(86_400),
});

export const portalTestInput = z.object({ id: webhookId, eventType: eventTypeName.optional() });

export const portalDeliveriesInput = z
  .object({
    webhookId: resourceId.optional(),
    status: deliveryStatus.optional(),
    statusClass: z.enum(statusClasses).optional(),
    eventType: eventTypeName.optional(),
    since: isoTimestamp.optional(),
    until: isoTimestamp.optional(),
    cursor: cursorInput,
    limit: limitInput(100, 20),
  })
  .prefault({});

export const portalRecoveryStartInput = z.object({ webhookId, since: isoTimestamp });
export const portalRecoveryProgressInput = z.object({ recoveryId: resourceId });

export function toPortalSession(session: PortalSession) {
  const { branding } = session.settings;
  return {
    owner: session.owner,
    permissions: session.permissions,
    expiresAt: session.expiresAt.toISOString(),
    workspace: { name: session.workspaceName },
    branding: {
      name: branding.name ?? session.workspaceName,
      logoUrl: branding.logoUrl ?? null,
      accentColor: branding.accentColor ?? null,
    },
  };
}

export function toPortalEventType(row: EventTypeRow) {
  return {
    name: row.name,
    description: row.description,
    schema: row.schema ?? null,
    example: row.example ?? null,
    deprecated: row.deprecated,
  };
}

export function toPortalWebhook(row: WebhookRow, health: WebhookHealth | undefined) {
  return {
    id: row.id,
    url: row.url,
    name: row.name,
    events: row.events,
    paused: row.paused,
    active: row.active,
    disabledReason: !row.active ? ('manual' as const) : row.disabled_reason,
    createdAt: row.created_at.toISOString(),
    health: {
      successRate: health?.successRate ?? null,
      lastFailureAt: toIso(health?.lastFailureAt ?? row.last_failure_at),
      lastFailureReason: health?.lastFailureReason ?? null,
      deliveriesLast24h: health?.deliveriesLast24h ?? 0,
    },
  };
}

export function toPortalWebhookDetail(row: WebhookRow, health: WebhookHealth | undefined, profile: SignatureProfile) {
  const rotating =
    row.previous_secret !== null &&
    row.previous_secret_expires_at !== null &&
    row.previous_secret_expires_at > new Date();
  return {
    ...toPortalWebhook(row, health),
    signatureProfile: profile,
    secretRotation: rotating
      ? {
          previousSecretExpiresAt: row.previous_secret_expires_at!.toISOString(),
          bodySignatureSwitched: row.body_signature_switched,
        }
      : null,
  };
}

export const toPortalDelivery = toDelivery;

export function toPortalDeliveryDetail(delivery: DeliveryRow, attempts: DeliveryAttemptRow[], payload: unknown) {
  return {
    ...toDelivery(delivery),
    payload,
    attempts: attempts.map((attempt) => ({
      attemptNumber: attempt.attempt_number,
      trigger: attempt.trigger,
      outcome: attempt.outcome,
      startedAt: attempt.requested_at.toISOString(),
      completedAt: toIso(attempt.completed_at),
      durationMs: attempt.duration_ms,
      statusCode: attempt.status_code,
      error: attempt.error,
      responseExcerpt: attempt.response_excerpt,
      waitMs: attempt.wait_ms,
    })),
  };
}

export function toPortalRecoveryProgress(status: RecoveryStatus) {
  return {
    recoveryId: status.id,
    webhookId: status.webhookId,
    state: status.state,
    done: status.progress.processed,
    total: status.progress.total,
    succeeded: status.progress.succeeded,
    failed: status.progress.failed,
    finished: status.state !== 'running',
  };
}
