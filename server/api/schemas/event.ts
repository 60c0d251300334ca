import { z } from 'zod';
import type { Publication } from '../../services/publish-event.js';
import { deliveryStatus } from './delivery.js';
import { eventTypeName, isoTimestamp } from './common.js';
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
  })
  .meta({ examples: [publishExample] });

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
    deliveries: deliveries.map((d) => ({ id: d.id, webhookId: d.webhook_id, status: d.status })),
  };
}
