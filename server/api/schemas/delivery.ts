import { z } from 'zod';
import { attemptOutcomes, attemptTriggers, type DeliveryAttemptRow } from '../../db/tables/delivery-attempts.table.js';
import { deliveryStatuses, type DeliveryRow, statusClasses } from '../../db/tables/deliveries.table.js';
import type { DeliveryLogQuery } from '../../services/deliveries.js';
import { eventTypeName, isoTimestamp, pageInput, resourceId, toDate, toIso } from './common.js';

export const deliveryStatus = z.enum(deliveryStatuses);

/** A delivery log entry, as seed 001's `GET /v1/webhooks/:id/deliveries` lists them. */
export const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    webhookId: z.string(),
    status: deliveryStatus,
    statusCode: z.number().int().nullable(),
    attempts: z.number().int(),
    deliveredAt: isoTimestamp.nullable(),
    error: z.string().nullable(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'Delivery' });

export const attemptSchema = z
  .object({
    id: z.string(),
    attemptNumber: z.number().int(),
    trigger: z.enum(attemptTriggers),
    outcome: z.enum(attemptOutcomes),
    requestedAt: isoTimestamp,
    completedAt: isoTimestamp.nullable(),
    durationMs: z.number().int().nullable(),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    responseExcerpt: z.string().nullable(),
  })
  .meta({ id: 'DeliveryAttempt' });

export const deliveryWithAttemptsSchema = deliverySchema
  .extend({ attemptLog: z.array(attemptSchema) })
  .meta({ id: 'DeliveryWithAttempts' });

const logFilters = {
  status: deliveryStatus.optional(),
  /** Of the last attempt: its HTTP status class, or `network` when it got no HTTP answer. */
  statusClass: z.enum(statusClasses).optional(),
  eventType: eventTypeName.optional(),
  from: isoTimestamp.optional(),
  to: isoTimestamp.optional(),
  ...pageInput,
};

export const listDeliveriesInput = z.object({
  webhookId: resourceId.optional(),
  eventId: resourceId.optional(),
  ...logFilters,
});

/** The same filters under `GET /v1/webhooks/{id}/deliveries`. */
export const webhookDeliveriesInput = z.object({ id: resourceId, eventId: resourceId.optional(), ...logFilters });

export function toDelivery(row: DeliveryRow): z.infer<typeof deliverySchema> {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    webhookId: row.webhook_id,
    status: row.status,
    statusCode: row.last_status_code,
    attempts: row.attempt_count,
    deliveredAt: toIso(row.delivered_at),
    // The last failure explains a failed or retrying delivery; a success has none.
    error: row.status === 'succeeded' ? null : row.last_error,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toAttempt(row: DeliveryAttemptRow): z.infer<typeof attemptSchema> {
  return {
    id: row.id,
    attemptNumber: row.attempt_number,
    trigger: row.trigger,
    outcome: row.outcome,
    requestedAt: row.requested_at.toISOString(),
    completedAt: toIso(row.completed_at),
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    error: row.error,
    responseExcerpt: row.response_excerpt,
  };
}

/** The delivery log's filters as the service takes them. */
export function toDeliveryLogQuery(input: z.infer<typeof listDeliveriesInput>): DeliveryLogQuery {
  return { ...input, from: toDate(input.from), to: toDate(input.to) };
}
