import { z } from 'zod';
import { orderingOnFailureChoices, type WebhookRow } from '../../db/tables/webhooks.table.js';
import { headerNames } from '../../delivery/custom-headers.js';
import { eventTypeName, idOf, isoTimestamp, pageInput, subscriptionPattern, text, toIso } from './common.js';
import { payloadFilterExample, payloadFilterSchema } from './payload-filter.js';
import { customHeadersInput, signatureProfileInput, signatureProfileSchema } from './signature-profile.js';
import { sample } from './examples.js';

const orderingOnFailure = z.enum(orderingOnFailureChoices).meta({
  description:
    "What a delivery of an event with an ordering key that fails for good does to the key's later events: `continue` (the default) sends the next one; `block` holds them (`queued`) until the failed delivery is retried and succeeds, or is skipped (`POST /deliveries/{id}/skip`).",
});

const webhookExample = {
  id: sample.webhookId,
  name: 'Order Notifications',
  url: sample.url,
  events: ['order.created', 'order.shipped'],
  active: true,
  description: 'Order updates for the fulfilment service',
  owner: sample.owner,
  mode: 'live' as const,
  paused: false,
  disabledReason: null,
  health: { lastSuccessAt: sample.createdAt, lastFailureAt: null, consecutiveFailures: 0, failingSince: null },
  signatureProfile: null,
  headers: [],
  filter: null,
  secretRotation: null,
  rateLimit: { perSecond: 50, burst: 100 },
  orderingOnFailure: 'continue' as const,
  adaptiveRate: null,
  createdAt: sample.createdAt,
  updatedAt: sample.createdAt,
};

export const webhookSchema = z
  .object({
    id: z.string().meta({ description: 'Starts with `wh_`.' }),
    name: z.string(),
    url: z.string().meta({ description: 'The endpoint every delivery is POSTed to.' }),
    events: z
      .array(z.string())
      .meta({ description: 'The event types it receives: names, `prefix.*` wildcards or `*`.' }),
    active: z.boolean().meta({ description: 'False: nothing is delivered to it.' }),
    description: z.string().nullable(),
    owner: z.string().nullable().meta({
      description:
        "Your own customer this webhook belongs to (opaque to Herald); null: none. The endpoint owner's portal shows an owner only their webhooks.",
    }),
    mode: z
      .enum(['live', 'test'])
      .meta({ description: 'The mode of the key that created it; only that mode sees it.' }),
    paused: z.boolean().meta({ description: 'Paused by its owner: deliveries are kept (parked) until it is resumed.' }),
    disabledReason: z.enum(['manual', 'gone', 'failing']).nullable().meta({
      description:
        'Why nothing is sent to it: `manual` (set inactive), `gone` (the endpoint answered 410 Gone) or `failing` (every delivery failed for the whole window); null while enabled. `gone` and `failing` keep deliveries parked until `POST /webhooks/{id}/enable`.',
    }),
    health: z
      .object({
        lastSuccessAt: isoTimestamp.nullable().meta({ description: 'To the minute.' }),
        lastFailureAt: isoTimestamp.nullable(),
        consecutiveFailures: z.number().int(),
        failingSince: isoTimestamp
          .nullable()
          .meta({ description: 'Since when every delivery has failed; null while healthy.' }),
      })
      .meta({ description: 'How the endpoint has been answering (test sends do not count).' }),
    signatureProfile: signatureProfileSchema
      .nullable()
      .meta({ description: "The webhook's own signature profile; null: the workspace's." }),
    headers: z
      .array(z.string())
      .meta({ description: 'The names of its custom headers (their values are never shown).' }),
    filter: payloadFilterSchema
      .nullable()
      .meta({ description: 'The conditions an event must meet to be delivered to it; null: every subscribed event.' }),
    secretRotation: z
      .object({
        previousSecretExpiresAt: isoTimestamp,
        bodySignatureSwitched: z.boolean().meta({
          description:
            'Whether body-only signature headers already use the new secret; until then they keep the previous one.',
        }),
      })
      .nullable()
      .meta({ description: 'While a rotated-out secret is still honoured: its grace period.' }),
    rateLimit: z
      .object({
        perSecond: z.number().meta({ description: 'Deliveries per second at most, across all workers.' }),
        burst: z.number().int().meta({ description: 'How many may go at once after a quiet spell.' }),
      })
      .nullable()
      .meta({ description: 'Its rate limit; null: none.' }),
    orderingOnFailure: orderingOnFailure,
    adaptiveRate: z
      .object({
        perSecond: z
          .number()
          .meta({ description: 'Deliveries per second Herald sends it at for now, across all workers.' }),
        since: isoTimestamp.meta({ description: 'When Herald began to slow it down.' }),
      })
      .nullable()
      .meta({
        description:
          "Read-only. Without a configured `rateLimit`, the rate Herald adapted to after the endpoint answered 429 or 503, timed out or dropped the connection: halved on further overload, raised by each success, and released (null) once it is past Herald's ceiling. null: not slowed down.",
      }),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'Webhook', description: 'An endpoint and the event types it receives.', examples: [webhookExample] });
export type Webhook = z.infer<typeof webhookSchema>;

/** `webhooks.get` adds what waits for the webhook's rate limit. */
export const webhookDetailSchema = webhookSchema
  .extend({
    rateLimitBacklog: z
      .object({
        waiting: z
          .number()
          .int()
          .meta({ description: 'Deliveries waiting for a token of the rate limit (configured or adaptive).' }),
        oldestWaitSeconds: z
          .number()
          .meta({ description: 'How long the longest-waiting of them has waited, in seconds; 0 when none waits.' }),
      })
      .meta({
        description:
          'Deliveries held back by the rate limit: nothing is dropped, each goes when a token is free, in the order they came.',
      }),
  })
  .meta({
    id: 'WebhookDetail',
    description: 'A webhook, with what waits for its rate limit.',
    examples: [{ ...webhookExample, rateLimitBacklog: { waiting: 12, oldestWaitSeconds: 0.4 } }],
  });
export type WebhookDetail = z.infer<typeof webhookDetailSchema>;

/** Only `create` and `rotateSecret` return the secret: store it, it is never shown again. */
export const webhookWithSecretSchema = webhookSchema
  .extend({
    secret: z.string().meta({
      description:
        'The signing secret, shown only in this response: store it. By default each delivery carries Standard Webhooks headers (keyed by the base64 part of this `whsec_` secret) and `X-Webhook-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed by this string.',
    }),
  })
  .meta({
    id: 'WebhookWithSecret',
    description: 'A webhook with its signing secret, which only its creation and a secret rotation return.',
    examples: [{ ...webhookExample, secret: sample.secret }],
  });

/**
 * The shape of a webhook URL, for the API reference: an absolute http(s) URL without credentials or a fragment, whose
 * host is a name (ASCII labels, the last one starting with a letter; no `xn--` labels, which only a punycode decoder
 * can judge), a dotted IPv4 address or a bracketed IPv6 address, with an optional port up to 65535. What Herald
 * enforces is the endpoint policy (`TargetPolicy.refuseUrl`, on the WHATWG URL parser), which also depends on the
 * server's settings; this pattern is a part of what it accepts everywhere, so that a URL the document allows is never
 * refused for its form. `test/unit/openapi-schemas.test.ts` checks that.
 */
const IPV4_PART = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const H16 = '[0-9A-Fa-f]{1,4}';
const IPV6 = [
  `(?:${H16}:){7}${H16}`,
  `(?:${H16}:){1,7}:`,
  `(?:${H16}:){1,6}:${H16}`,
  `(?:${H16}:){1,5}(?::${H16}){1,2}`,
  `(?:${H16}:){1,4}(?::${H16}){1,3}`,
  `(?:${H16}:){1,3}(?::${H16}){1,4}`,
  `(?:${H16}:){1,2}(?::${H16}){1,5}`,
  `${H16}:(?::${H16}){1,6}`,
  `:(?:(?::${H16}){1,7}|:)`,
].join('|');
const HOST_NAME = '(?:(?![Xx][Nn]--)[A-Za-z0-9-]+\\.)*(?![Xx][Nn]--)[A-Za-z][A-Za-z0-9-]*\\.?';
const PORT = '(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
export const WEBHOOK_URL_PATTERN = `^https?://(?:${HOST_NAME}|(?:${IPV4_PART}\\.){3}${IPV4_PART}|\\[(?:${IPV6})\\])(?::${PORT})?(?:[/?][^\\s#\\u0000]*)?$`;

const webhookUrl = text(1, 2048)
  .meta({
    format: 'uri',
    pattern: WEBHOOK_URL_PATTERN,
    description:
      'The endpoint Herald POSTs events to: an absolute https URL of up to 2,048 characters, without credentials or a #fragment. Plain http is accepted only where the server allows it (`HERALD_ALLOW_HTTP`, on by default outside production). The server also refuses endpoints outside the networks it may reach (`HERALD_ALLOWED_NETWORKS`; in production, public addresses only): an IP address in the URL is checked when the webhook is saved, and the address a host name resolves to is checked on every connection.',
    examples: [sample.url],
  })
  .transform((url) => url.trim());
const subscribedEvents = z
  .array(subscriptionPattern)
  .min(1, 'subscribe to at least one event type')
  .max(100)
  .meta({
    description:
      'The event types to receive, 1 to 100 entries: an exact name (`order.created`), every type under a prefix (`order.*`) or every type (`*`). Duplicates are dropped. Once the workspace has an event type catalog, each entry must name a type of the catalog that is not archived, or be a wildcard that matches one.',
    examples: [['order.created', 'order.shipped']],
  })
  .transform((names) => [...new Set(names)]);
/** Some character that is neither white space nor NUL: the name is trimmed, and must not be left empty. */
// eslint-disable-next-line no-control-regex -- the NUL character is what it is there to refuse
const NAME_PATTERN = /^\s*[^\s\u0000][^\u0000]*$/;
const name = z
  .string()
  .min(1)
  .max(200)
  .regex(NAME_PATTERN, 'must not be blank nor contain NUL characters')
  .meta({
    description: "A name for people to recognise it by; surrounding white space is trimmed. The URL's host by default.",
    examples: ['Order Notifications'],
  })
  .transform((value) => value.trim());
const description = text(0, 2000)
  .nullable()
  .meta({ description: 'Free text for people, up to 2,000 characters; null removes it.' });
const secret = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[\x20-\x7E]+$/, 'must be printable ASCII characters')
  .meta({
    description:
      'Your own signing secret, 16 to 128 printable ASCII characters. When omitted, Herald generates one (`whsec_` and 32 random bytes in base64).',
  });
/** The app's own id for its customer: opaque to Herald, trimmed, 1 to 200 characters. */
export const ownerInput = z
  .string()
  .min(1)
  .max(200)
  // eslint-disable-next-line no-control-regex -- the NUL character is what it is there to refuse
  .regex(/^[^\u0000]*[^\s\u0000][^\u0000]*$/, 'must not be blank nor contain NUL characters')
  .meta({
    description:
      "Your own id for the customer who owns the endpoint, 1 to 200 characters, opaque to Herald: the endpoint owner's portal (`POST /portal/sessions`) shows an owner only their webhooks.",
    examples: [sample.owner],
  })
  .transform((value) => value.trim());

/** At most `perSecond` deliveries a second, `burst` at once; the burst defaults to ceil(perSecond). */
const rateLimitInput = z
  .object({
    perSecond: z.number().min(0.01).max(10_000).meta({
      description: 'Deliveries per second at most, across all workers: 0.01 (one every 100 seconds) to 10,000.',
    }),
    burst: z.number().int().min(1).max(1_000_000).optional().meta({
      description:
        'How many may go at once when the endpoint has been quiet (the bucket size), 1 to 1,000,000; by default perSecond rounded up.',
    }),
  })
  .meta({
    description:
      'Limits how fast Herald sends to this endpoint. Deliveries beyond it wait durably for their turn, in order, without using up their attempts; nothing is dropped. Null removes the limit.',
    examples: [{ perSecond: 50, burst: 100 }],
  });

const active = z.boolean().meta({
  description:
    'False stops deliveries: events published meanwhile are not delivered to it, and deliveries waiting for a retry fail when their turn comes.',
});

export const createWebhookInput = z
  .object({
    name: name.optional(),
    url: webhookUrl,
    events: subscribedEvents,
    active: active.default(true),
    description: description.optional(),
    owner: ownerInput.nullable().optional(),
    secret: secret.optional(),
    signatureProfile: signatureProfileInput.nullable().optional().meta({
      description: "How its deliveries are signed; omitted or null: the workspace's profile.",
    }),
    headers: customHeadersInput.optional(),
    filter: payloadFilterSchema.nullable().optional().meta({
      description:
        'Conditions on the event that decide whether it is delivered (see PayloadFilter); omitted or null: every event it subscribes to.',
    }),
    rateLimit: rateLimitInput.nullable().optional(),
    orderingOnFailure: orderingOnFailure.optional(),
  })
  .meta({
    examples: [
      { name: 'Order Notifications', url: sample.url, events: ['order.created', 'order.shipped'], owner: sample.owner },
      { name: 'Large orders', url: sample.url, events: ['order.created'], filter: payloadFilterExample },
    ],
  });

export const updateWebhookInput = z
  .object({
    id: idOf('webhook', sample.webhookId),
    name: name.optional(),
    url: webhookUrl.optional(),
    events: subscribedEvents.optional(),
    active: active.optional(),
    description: description.optional(),
    owner: ownerInput.nullable().optional().meta({ description: 'Hands the webhook to another owner; null: none.' }),
    signatureProfile: signatureProfileInput
      .nullable()
      .optional()
      .meta({ description: "How its deliveries are signed; null: back to the workspace's profile." }),
    headers: customHeadersInput
      .nullable()
      .optional()
      .meta({ description: 'Replaces every custom header; null removes them all.' }),
    filter: payloadFilterSchema.nullable().optional().meta({
      description:
        'Replaces the payload filter (see PayloadFilter); null removes it. It applies to events published from now on.',
    }),
    rateLimit: rateLimitInput.nullable().optional(),
    orderingOnFailure: orderingOnFailure.optional(),
  })
  .refine((input) => Object.entries(input).some(([key, value]) => key !== 'id' && value !== undefined), {
    message: 'nothing to update: pass at least one field',
  })
  // The refinement above, as the API reference can state it: the body needs at least one field.
  .meta({ minProperties: 1, examples: [{ events: ['order.created', 'order.shipped', 'order.cancelled'] }] });

export const listWebhooksInput = z
  .object({
    owner: ownerInput.optional().meta({ description: "Only this owner's webhooks." }),
    ...pageInput,
  })
  .prefault({});

export const rotateSecretInput = z
  .object({
    id: idOf('webhook', sample.webhookId),
    secret: secret.optional(),
    gracePeriod: z
      .string()
      .regex(/^\d+(s|m|h|d)$/, 'a duration such as 30m, 24h or 7d')
      .default('24h')
      .meta({
        description:
          'How long the previous secret stays honoured, at most 7d (default 24h): Standard Webhooks deliveries carry a signature with each secret meanwhile, and body-only signature headers keep the previous secret until you switch them (`POST /webhooks/{id}/switch-body-signature`) or the period ends.',
      }),
  })
  .meta({ examples: [{ gracePeriod: '24h' }] });

export const testWebhookInput = z
  .object({
    id: idOf('webhook', sample.webhookId),
    eventType: eventTypeName.optional().meta({
      description:
        'Test this type only; it must be one the webhook subscribes to. By default, every type it subscribes to is tested (for a wildcard, the matching types of the catalog), up to 25.',
    }),
  })
  .meta({ examples: [{ eventType: 'order.shipped' }] });

export const testReportSchema = z
  .object({
    startedAt: isoTimestamp,
    testsRun: z.number().int(),
    testsSucceeded: z.number().int(),
    testsFailed: z.number().int(),
    tests: z.array(
      z.object({
        eventType: z.string(),
        deliveryId: z.string().meta({ description: 'The test delivery, in the delivery log with trigger `test`.' }),
        status: z.enum(['succeeded', 'failed']),
        statusCode: z
          .number()
          .int()
          .nullable()
          .meta({ description: "The endpoint's HTTP status; null when none came." }),
        durationMs: z.number().int(),
        error: z.string().optional().meta({ description: 'Why the test failed.' }),
        responseExcerpt: z.string().nullable().meta({ description: "The start of the endpoint's response body." }),
        filteredOut: z.boolean().meta({
          description:
            "Whether the webhook's payload filter would have kept this sample from it. Tests ignore the filter: the sample was sent anyway.",
        }),
      }),
    ),
  })
  .meta({
    id: 'TestReport',
    description: 'The outcome of a test send: one synthetic event per type, each sent once, now, without retries.',
    examples: [
      {
        startedAt: sample.publishedAt,
        testsRun: 1,
        testsSucceeded: 1,
        testsFailed: 0,
        tests: [
          {
            eventType: 'order.shipped',
            deliveryId: sample.testEventDeliveryId,
            status: 'succeeded',
            statusCode: 200,
            durationMs: 84,
            responseExcerpt: 'OK',
            filteredOut: false,
          },
        ],
      },
    ],
  });

export function toWebhook(row: WebhookRow): Webhook {
  const rotating =
    row.previous_secret !== null &&
    row.previous_secret_expires_at !== null &&
    row.previous_secret_expires_at > new Date();
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    events: row.events,
    active: row.active,
    description: row.description,
    owner: row.owner,
    mode: row.mode,
    paused: row.paused,
    disabledReason: !row.active ? 'manual' : row.disabled_reason,
    health: {
      lastSuccessAt: toIso(row.last_success_at),
      lastFailureAt: toIso(row.last_failure_at),
      consecutiveFailures: row.consecutive_failures,
      failingSince: toIso(row.failing_since),
    },
    signatureProfile: row.signature_profile,
    headers: headerNames(row.custom_headers),
    filter: row.payload_filter,
    secretRotation: rotating
      ? {
          previousSecretExpiresAt: row.previous_secret_expires_at!.toISOString(),
          bodySignatureSwitched: row.body_signature_switched,
        }
      : null,
    rateLimit:
      row.rate_limit_per_second !== null && row.rate_limit_burst !== null
        ? { perSecond: row.rate_limit_per_second, burst: row.rate_limit_burst }
        : null,
    orderingOnFailure: row.ordering_on_failure,
    adaptiveRate:
      row.adaptive_per_second !== null && row.adaptive_since !== null
        ? { perSecond: Math.round(row.adaptive_per_second * 100) / 100, since: row.adaptive_since.toISOString() }
        : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toWebhookDetail(row: WebhookRow, wait: { waiting: number; oldestSince: Date | null }): WebhookDetail {
  return {
    ...toWebhook(row),
    rateLimitBacklog: {
      waiting: wait.waiting,
      oldestWaitSeconds: wait.oldestSince ? Math.max(0, (Date.now() - wait.oldestSince.getTime()) / 1000) : 0,
    },
  };
}
