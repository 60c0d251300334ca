import { z } from 'zod';
import { attemptOutcomes, attemptTriggers, type DeliveryAttemptRow } from '../../db/tables/delivery-attempts.table.js';
import { deliveryStatuses, type DeliveryRow, statusClasses } from '../../db/tables/deliveries.table.js';
import type { StreamedAttempt } from '../../services/attempt-stream.js';
import type { DeliveryLogQuery } from '../../services/deliveries.js';
import { eventTypeName, idOf, isoTimestamp, pageInput, resourceId, toDate, toIso } from './common.js';
import { sample } from './examples.js';

export const deliveryStatus = z.enum(deliveryStatuses).meta({
  description:
    '`pending` while attempts remain (including while the next one waits), `queued` while it waits for an earlier event of its ordering key to settle (it becomes `pending` then), `succeeded` once an attempt got a 2xx answer, `failed` when the last attempt failed, `parked` while its webhook is paused or disabled (it is sent, in order, when the webhook is resumed or enabled), `discarded` when it was parked longer or in greater numbers than Herald keeps, `scheduled` while its event waits for the time it was published for (`deliverAt`; it becomes `pending` then), `cancelled` when its scheduled event was withdrawn before it was sent.',
});

const statusClass = z.enum(statusClasses).meta({
  description: 'Of the last attempt: the class of its HTTP status, or `network` when no HTTP answer came.',
});

const deliveryExample = {
  id: sample.deliveryId,
  eventId: sample.eventId,
  eventType: 'order.shipped',
  webhookId: sample.webhookId,
  status: 'succeeded' as const,
  statusCode: 200,
  attempts: 2,
  deliveredAt: sample.deliveredAt,
  error: null,
  nextAttemptAt: null,
  orderingKey: null,
  blocking: false,
  createdAt: sample.publishedAt,
  updatedAt: sample.deliveredAt,
};

/** A delivery log entry: one event on its way to one webhook. */
export const deliverySchema = z
  .object({
    id: z.string().meta({ description: 'Starts with `del_`.' }),
    eventId: z.string(),
    eventType: z.string(),
    webhookId: z.string(),
    status: deliveryStatus,
    statusCode: z.number().int().nullable().meta({ description: "The last attempt's HTTP status; null before any." }),
    attempts: z.number().int().meta({ description: 'Attempts made so far, manual retries included.' }),
    deliveredAt: isoTimestamp.nullable(),
    error: z.string().nullable().meta({ description: 'Why the last attempt failed; null once delivered.' }),
    nextAttemptAt: isoTimestamp.nullable().meta({
      description:
        'While a retry waits: when the next attempt is due; while scheduled: when it is to be sent. Null once settled or parked.',
    }),
    orderingKey: z.string().nullable().meta({
      description: "Its event's ordering key; null when the event has none.",
    }),
    blocking: z.boolean().meta({
      description:
        "True when it failed for good and holds its ordering key's later deliveries to this webhook back (the webhook's `orderingOnFailure` is `block`): retry it, or skip it (`POST /deliveries/{id}/skip`), to let them go.",
    }),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({
    id: 'Delivery',
    description: 'One event on its way to one webhook, and where it stands.',
    examples: [deliveryExample],
  });

const attemptExamples = [
  {
    id: 'att_01M892BS5R03P6C6HBWEA2DB6M',
    attemptNumber: 1,
    trigger: 'scheduled' as const,
    outcome: 'failed' as const,
    requestedAt: sample.publishedAt,
    completedAt: '2026-11-25T10:05:00.311Z',
    durationMs: 311,
    statusCode: 503,
    error: 'HTTP 503',
    responseExcerpt: 'Service Unavailable',
    waitMs: 30_000,
    waitReason: 'Retry-After: 30 s',
  },
  {
    id: sample.attemptId,
    attemptNumber: 2,
    trigger: 'scheduled' as const,
    outcome: 'succeeded' as const,
    requestedAt: '2026-11-25T10:05:30.328Z',
    completedAt: sample.deliveredAt,
    durationMs: 84,
    statusCode: 200,
    error: null,
    responseExcerpt: 'OK',
    waitMs: null,
    waitReason: null,
  },
];

export const attemptSchema = z
  .object({
    id: z.string(),
    attemptNumber: z.number().int().meta({ description: "Counts from 1 over the delivery's whole life." }),
    trigger: z.enum(attemptTriggers).meta({
      description: '`scheduled` (the first attempt and its retries), `manual` (a retry you asked for) or `test`.',
    }),
    outcome: z.enum(attemptOutcomes).meta({
      description:
        '`in_flight` while the request is out; `interrupted` when the process making it stopped before it could record the outcome.',
    }),
    requestedAt: isoTimestamp,
    completedAt: isoTimestamp.nullable(),
    durationMs: z.number().int().nullable(),
    statusCode: z.number().int().nullable().meta({ description: "The endpoint's HTTP status; null when none came." }),
    error: z.string().nullable(),
    responseExcerpt: z.string().nullable().meta({
      description: "The start of the endpoint's response body; null once past the payload retention window.",
    }),
    waitMs: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'After a failure: how long Herald waited (or waits) before the next attempt.' }),
    waitReason: z.string().nullable().meta({
      description:
        'Why the wait is what it is: `schedule`, or the `Retry-After` the endpoint sent with a 429 or 503 (honoured, but never sooner than the schedule and never more than twice it), or that the endpoint answered `410 Gone` (no further attempts). Null after a success or the last attempt.',
    }),
  })
  .meta({
    id: 'DeliveryAttempt',
    description: 'One HTTP request Herald made for a delivery.',
    examples: [attemptExamples[1]!],
  });

export const deliveryWithAttemptsSchema = deliverySchema
  .extend({
    payload: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({
        description:
          "The event's `data`, as published; null once it is past the payload retention window (`payloadExpired`).",
        examples: [sample.eventData],
      }),
    payloadExpired: z.boolean().meta({
      description:
        "True once the event's payload, and the attempts' response excerpts, were dropped by retention: the delivery's status and every attempt's time, duration, status code and error stay until the full retention window, but it can no longer be retried.",
    }),
    attemptLog: z.array(attemptSchema).meta({ description: 'Every attempt, oldest first.' }),
  })
  .meta({
    id: 'DeliveryWithAttempts',
    description: "A delivery with its event's payload and every attempt made for it.",
    examples: [{ ...deliveryExample, payload: sample.eventData, payloadExpired: false, attemptLog: attemptExamples }],
  });

const logFilters = {
  status: deliveryStatus.optional(),
  statusClass: statusClass.optional(),
  eventType: eventTypeName.meta({ description: 'Only deliveries of this event type.' }).optional(),
  from: isoTimestamp.meta({ description: 'Only deliveries created at or after this time.' }).optional(),
  to: isoTimestamp.meta({ description: 'Only deliveries created at or before this time.' }).optional(),
  ...pageInput,
};

const eventFilter = resourceId
  .meta({ description: 'Only the deliveries of this event (its id).', examples: [sample.eventId] })
  .optional();

export const listDeliveriesInput = z.object({
  webhookId: resourceId
    .meta({ description: 'Only the deliveries to this webhook (its id).', examples: [sample.webhookId] })
    .optional(),
  eventId: eventFilter,
  ...logFilters,
});

/** The same filters under `GET /v1/webhooks/{id}/deliveries`. */
export const webhookDeliveriesInput = z.object({
  id: idOf('webhook', sample.webhookId),
  eventId: eventFilter,
  ...logFilters,
});

export function toDelivery(row: DeliveryRow & { blocking?: boolean }): z.infer<typeof deliverySchema> {
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
    nextAttemptAt: row.status === 'pending' || row.status === 'scheduled' ? toIso(row.next_attempt_at) : null,
    orderingKey: row.ordering_key,
    blocking: row.blocking ?? false,
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
    waitMs: row.wait_ms,
    waitReason: row.wait_reason,
  };
}

/** The event's payload of a delivery, or the mark that retention dropped it. */
export function toPayload(payloadJson: string | null): {
  payload: Record<string, unknown> | null;
  payloadExpired: boolean;
} {
  return payloadJson === null
    ? { payload: null, payloadExpired: true }
    : { payload: JSON.parse(payloadJson) as Record<string, unknown>, payloadExpired: false };
}

/** The delivery log's filters as the service takes them. */
export function toDeliveryLogQuery(input: z.infer<typeof listDeliveriesInput>): DeliveryLogQuery {
  return { ...input, from: toDate(input.from), to: toDate(input.to) };
}

/** The attempt stream's event ids: `<transaction id>-<attempt id>`, the position a reconnecting client resumes at. */
export const ATTEMPT_EVENT_ID = /^(0|[1-9]\d{0,19})-att_[0-9A-Z]{26}$/;

/** A finished attempt as the attempt stream (`deliveries.tail`, `GET /v1/deliveries/tail`) sends it. */
export const streamedAttemptSchema = z
  .object({
    id: z.string().meta({ description: "The attempt's id (`att_…`)." }),
    deliveryId: z.string(),
    webhookId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    attemptNumber: z.number().int().meta({ description: "Counts from 1 over the delivery's whole life." }),
    trigger: z.enum(attemptTriggers).meta({
      description: '`scheduled` (the first attempt and its retries), `manual` (a retry you asked for) or `test`.',
    }),
    outcome: z.enum(attemptOutcomes).exclude(['in_flight']).meta({
      description:
        '`succeeded` (a 2xx answer), `failed`, or `interrupted` (the process making it stopped before it could record the outcome).',
    }),
    statusCode: z.number().int().nullable().meta({ description: "The endpoint's HTTP status; null when none came." }),
    error: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    requestedAt: isoTimestamp,
    completedAt: isoTimestamp,
  })
  .meta({
    id: 'StreamedAttempt',
    description: 'One finished attempt, as the attempt stream sends it.',
    examples: [
      {
        id: sample.attemptId,
        deliveryId: sample.deliveryId,
        webhookId: sample.webhookId,
        eventId: sample.eventId,
        eventType: 'order.shipped',
        attemptNumber: 2,
        trigger: 'scheduled' as const,
        outcome: 'succeeded' as const,
        statusCode: 200,
        error: null,
        durationMs: 84,
        requestedAt: '2026-11-25T10:05:30.328Z',
        completedAt: sample.deliveredAt,
      },
    ],
  });

export type StreamedAttemptOutput = z.infer<typeof streamedAttemptSchema>;

export const tailDeliveriesInput = z.object({
  webhookId: resourceId
    .meta({ description: 'Only the attempts of deliveries to this webhook (its id).', examples: [sample.webhookId] })
    .optional(),
  status: z
    .enum(['succeeded', 'failed', 'interrupted'])
    .meta({ description: 'Only the attempts with this outcome.' })
    .optional(),
  eventType: eventTypeName.meta({ description: 'Only the attempts of deliveries of this event type.' }).optional(),
  lastEventId: z
    .string()
    .regex(ATTEMPT_EVENT_ID, 'must be the id of an event this stream sent, such as 7421-att_01M892BT50SMKNPV4DA16YG4P7')
    // A transaction id is an unsigned 64-bit number: the pattern cannot bound it, so this does.
    .refine(
      // (Refinements run even when the pattern failed: only a matching id is read as a number.)
      (id) => !ATTEMPT_EVENT_ID.test(id) || BigInt(id.slice(0, id.indexOf('-'))) < 2n ** 64n,
      'names a transaction id past 2^64 - 1',
    )
    .optional()
    .meta({
      description:
        'Resume after this event: the id of the last event received. An EventSource sends it by itself as the `Last-Event-ID` header when it reconnects.',
    }),
});

export function toStreamedAttempt({ attempt }: StreamedAttempt): StreamedAttemptOutput {
  return {
    id: attempt.attemptId,
    deliveryId: attempt.deliveryId,
    webhookId: attempt.webhookId,
    eventId: attempt.eventId,
    eventType: attempt.eventType,
    attemptNumber: attempt.attemptNumber,
    trigger: attempt.trigger,
    // Only finished attempts are streamed.
    outcome: attempt.outcome === 'in_flight' ? 'interrupted' : attempt.outcome,
    statusCode: attempt.statusCode,
    error: attempt.error,
    durationMs: attempt.durationMs,
    requestedAt: attempt.requestedAt.toISOString(),
    completedAt: attempt.completedAt.toISOString(),
  };
}
