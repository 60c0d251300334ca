import { z } from 'zod';
import type { WebhookRow } from '../../db/tables/webhooks.table.js';
import { eventTypeName, isoTimestamp, resourceId } from './common.js';

export const webhookSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  description: z.string().nullable(),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
});
export type Webhook = z.infer<typeof webhookSchema>;

/** Only `create` returns the secret: store it, it is never shown again. */
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string() });

const webhookUrl = z.string().trim().min(1).max(2048);
const subscribedEvents = z
  .array(eventTypeName)
  .min(1, 'subscribe to at least one event type')
  .max(100)
  .transform((names) => [...new Set(names)]);
const name = z.string().trim().min(1).max(200);
const description = z.string().max(2000).nullable();

export const createWebhookInput = z.object({
  name: name.optional(),
  url: webhookUrl,
  events: subscribedEvents,
  active: z.boolean().default(true),
  description: description.optional(),
  secret: z
    .string()
    .min(16)
    .max(128)
    .regex(/^[\x20-\x7E]+$/, 'must be printable ASCII characters')
    .optional(),
});

export const updateWebhookInput = z
  .object({
    id: resourceId,
    name: name.optional(),
    url: webhookUrl.optional(),
    events: subscribedEvents.optional(),
    active: z.boolean().optional(),
    description: description.optional(),
  })
  .refine((input) => Object.keys(input).some((key) => key !== 'id'), { message: 'nothing to update: pass at least one field' });

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    events: row.events,
    active: row.active,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
