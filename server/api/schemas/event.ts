import { z } from 'zod';
import type { CancelledEvent } from '../../services/cancel-event.js';
import type { Publication } from '../../services/publish-event.js';
import { deliveryStatus } from './delivery.js';
import { eventTypeName, idOf, isoTimestamp, toDate } from './common.js';
import { sample } from './examples.js';

const publishExample = { id: sample.eventId, type: 'order.shipped', data: sample.eventData };

export const publishEventInput = z
  .object({
    /** Your id for the event; publishing the same id again is safe and delivers once. Generated when omitted. */
    id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain letters, digits and _ . : - only')
      .meta({
        description:
          'Your id for the event, unique in the workspace and mode: publishing the same id again delivers nothing new and answers the first publication (`duplicate: true`), so a publish can be retried safely; the same id with another type or data is a 409. Generated (`evt_…`) when omitted.',
        examples: [sample.eventId],
      })
      .optional(),
    type: eventTypeName.meta({
      description:
        'The event type. Once the workspace has an event type catalog, it must be a type of the catalog that is not archived.',
    }),
    data: z.record(z.string(), z.unknown()).meta({
      description:
        'The payload, any JSON object; receivers get it as the `data` of the event. When the type has a schema in the catalog, `data` must satisfy it.',
      examples: [sample.eventData],
    }),
    deliverAt: isoTimestamp
      .meta({
        description:
          "Deliver the event at this time instead of now (a scheduled send). The event and its deliveries are stored now, as `scheduled`, and sent at that time; until then `POST /events/{id}/cancel` withdraws it. A time that is now or already past means now. At most the server's horizon ahead (`HERALD_SCHEDULE_HORIZON`, 30 days by default); further is a 400.",
        examples: [sample.deliverAt],
      })
      .optional(),
    orderingKey: z
      .string()
      .min(1)
      .max(256)
      .meta({
        description:
          "Deliver in order with the other events of this key (an order id, an account id): each webhook gets the key's events one at a time, in the order they were published, each once the one before it succeeded or failed for good (what a failure does is the webhook's `orderingOnFailure`). Events without a key, and other keys, are not held up. Cannot be combined with `deliverAt` (a 400).",
        examples: ['ord_abc123'],
      })
      .optional(),
  })
  // A scheduled event would hold its key back until its time: every later event of the key would wait for it.
  .refine((input) => input.deliverAt === undefined || input.orderingKey === undefined, {
    path: ['orderingKey'],
    message:
      'an event with an ordering key is delivered in publish order, so it cannot also be scheduled: drop `deliverAt` or `orderingKey`',
  })
  .meta({
    examples: [
      publishExample,
      { ...publishExample, deliverAt: sample.deliverAt },
      { ...publishExample, orderingKey: 'ord_abc123' },
    ],
  });

export const MAX_BATCH_EVENTS = 500;

export const publishBatchInput = z
  .object({
    events: z
      .array(publishEventInput)
      .min(1)
      .max(MAX_BATCH_EVENTS)
      .refine((events) => {
        const ids = events.flatMap((event) => (event.id ? [event.id] : []));
        return new Set(ids).size === ids.length;
      }, 'event ids must be unique within a batch')
      .meta({
        description: '1 to 500 events, each as `POST /events` takes it; their ids must differ from one another.',
      }),
  })
  .meta({
    examples: [
      {
        events: [
          publishExample,
          { id: 'order_1002_created', type: 'order.created', data: { orderId: 'ord_def456', total: 4200 } },
        ],
      },
    ],
  });

const publishedExample = {
  id: sample.eventId,
  type: 'order.shipped',
  createdAt: sample.publishedAt,
  duplicate: false,
  deliverAt: null,
  orderingKey: null,
  deliveries: [{ id: sample.deliveryId, webhookId: sample.webhookId, status: 'pending' as const }],
};

export const publishedEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    createdAt: isoTimestamp.meta({ description: 'When the event was first published.' }),
    duplicate: z.boolean().meta({
      description: 'True when this id was published before: this is that publication, and nothing new was delivered.',
    }),
    deliverAt: isoTimestamp.nullable().meta({
      description:
        'When a scheduled event is to be sent (its deliveries are `scheduled` until then); null when it is sent at once.',
    }),
    orderingKey: z.string().nullable().meta({
      description:
        'Its ordering key; null when it has none. A delivery that waits for an earlier event of the key is `queued`.',
    }),
    deliveries: z
      .array(z.object({ id: z.string(), webhookId: z.string(), status: deliveryStatus }))
      .meta({ description: 'One per subscribed active webhook; follow each at `GET /deliveries/{id}`.' }),
  })
  .meta({
    id: 'PublishedEvent',
    description: 'An event as published, with the deliveries it made.',
    examples: [publishedExample],
  });
export type PublishedEvent = z.infer<typeof publishedEventSchema>;

export const publishedBatchSchema = z
  .object({ events: z.array(publishedEventSchema).meta({ description: 'In the order they were sent.' }) })
  .meta({
    id: 'PublishedBatch',
    description: 'The events of a batch as published.',
    examples: [{ events: [publishedExample] }],
  });

export function toPublishedEvent(publication: Publication): PublishedEvent {
  const { event, duplicate, deliveries } = publication;
  return {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    duplicate,
    deliverAt: event.deliverAt?.toISOString() ?? null,
    orderingKey: event.orderingKey,
    deliveries: deliveries.map((d) => ({ id: d.id, webhookId: d.webhook_id, status: d.status })),
  };
}

/** The API's form of a publish input: the time as a Date. */
export function toPublishInput<T extends { deliverAt?: string | undefined }>(
  input: T,
): Omit<T, 'deliverAt'> & { deliverAt: Date | undefined } {
  return { ...input, deliverAt: toDate(input.deliverAt) };
}

export const cancelEventInput = z.object({ id: idOf('event', sample.eventId) });

export const cancelledEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    deliverAt: isoTimestamp.meta({ description: 'When it was to be sent.' }),
    cancelledAt: isoTimestamp.meta({ description: 'When it was cancelled.' }),
    deliveries: z
      .array(z.object({ id: z.string(), webhookId: z.string(), status: deliveryStatus }))
      .meta({ description: 'Its deliveries, all `cancelled`: none was sent, and none will be.' }),
  })
  .meta({
    id: 'CancelledEvent',
    description: 'A scheduled event withdrawn before it was sent.',
    examples: [
      {
        id: sample.eventId,
        type: 'order.shipped',
        deliverAt: sample.deliverAt,
        cancelledAt: sample.publishedAt,
        deliveries: [{ id: sample.deliveryId, webhookId: sample.webhookId, status: 'cancelled' as const }],
      },
    ],
  });
export type CancelledEventOutput = z.infer<typeof cancelledEventSchema>;

export function toCancelledEvent(event: CancelledEvent): CancelledEventOutput {
  return {
    id: event.id,
    type: event.type,
    deliverAt: event.deliverAt.toISOString(),
    cancelledAt: event.cancelledAt.toISOString(),
    deliveries: event.deliveries.map((d) => ({ id: d.id, webhookId: d.webhook_id, status: d.status })),
  };
}
