import { z } from 'zod';
import type { Publication } from '../../services/publish-event.js';
import { deliveryStatus } from './delivery.js';
import { eventTypeName, isoTimestamp } from './common.js';

export const publishEventInput = z.object({
  /** Your id for the event; publishing the same id again is safe and delivers once. Generated when omitted. */
  id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain letters, digits and _ . : - only')
    .optional(),
  type: eventTypeName,
  data: z.record(z.string(), z.unknown()),
});

export const MAX_BATCH_EVENTS = 500;

export const publishBatchInput = z.object({
  events: z
    .array(publishEventInput)
    .min(1)
    .max(MAX_BATCH_EVENTS)
    .refine((events) => {
      const ids = events.flatMap((event) => (event.id ? [event.id] : []));
      return new Set(ids).size === ids.length;
    }, 'event ids must be unique within a batch'),
});

export const publishedEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    createdAt: isoTimestamp,
    /** True when this id was published before; nothing new was delivered. */
    duplicate: z.boolean(),
    deliveries: z.array(z.object({ id: z.string(), webhookId: z.string(), status: deliveryStatus })),
  })
  .meta({ id: 'PublishedEvent' });
export type PublishedEvent = z.infer<typeof publishedEventSchema>;

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
