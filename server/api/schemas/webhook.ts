import { z } from 'zod';
import type { WebhookRow } from '../../db/tables/webhooks.table.js';
import { eventTypeName, isoTimestamp, resourceId, subscriptionPattern, text } from './common.js';

export const webhookSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    active: z.boolean(),
    description: z.string().nullable(),
    mode: z.enum(['live', 'test']),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof webhookSchema>;

/** Only `create` and `rotateSecret` return the secret: store it, it is never shown again. */
export const webhookWithSecretSchema = webhookSchema.extend({ secret: z.string() }).meta({ id: 'WebhookWithSecret' });

const webhookUrl = text(1, 2048).transform((url) => url.trim());
const subscribedEvents = z
  .array(subscriptionPattern)
  .min(1, 'subscribe to at least one event type')
  .max(100)
  .transform((names) => [...new Set(names)]);
const name = text(1, 200)
  .transform((value) => value.trim())
  .refine((value) => value.length > 0, 'must not be blank');
const description = text(0, 2000).nullable();
const secret = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[\x20-\x7E]+$/, 'must be printable ASCII characters');

export const createWebhookInput = z.object({
  name: name.optional(),
  url: webhookUrl,
  events: subscribedEvents,
  active: z.boolean().default(true),
  description: description.optional(),
  secret: secret.optional(),
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
  .refine((input) => Object.entries(input).some(([key, value]) => key !== 'id' && value !== undefined), {
    message: 'nothing to update: pass at least one field',
  });

export const rotateSecretInput = z.object({ id: resourceId, secret: secret.optional() });

export const testWebhookInput = z.object({ id: resourceId, eventType: eventTypeName.optional() });

export const testReportSchema = z
  .object({
    startedAt: isoTimestamp,
    testsRun: z.number().int(),
    testsSucceeded: z.number().int(),
    testsFailed: z.number().int(),
    tests: z.array(
      z.object({
        eventType: z.string(),
        deliveryId: z.string(),
        status: z.enum(['succeeded', 'failed']),
        statusCode: z.number().int().nullable(),
        durationMs: z.number().int(),
        error: z.string().optional(),
        responseExcerpt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'TestReport' });

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    events: row.events,
    active: row.active,
    description: row.description,
    mode: row.mode,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
