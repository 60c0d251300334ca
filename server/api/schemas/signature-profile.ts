import { z } from 'zod';
import { timestampFields } from '../../db/signature-profile.js';
import { RESERVED_HEADERS } from '../../delivery/signing.js';

/**
 * Matches the reserved names in any letter case, so the OpenAPI document can state the rule exactly; and
 * `__proto__`, which JSON parsers refuse as a key to protect against prototype pollution.
 */
const reservedPattern = `^(?:${[...RESERVED_HEADERS]
  .map((name) => [...name].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join(''))
  .join('|')}|__proto__)$`;

/** An HTTP header name (a token), not one Herald sets itself. */
export const headerName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name (letters, digits and - mostly)')
  .refine((name) => name !== '__proto__', 'must not be __proto__')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), {
    message: `must not be one Herald sets itself (${[...RESERVED_HEADERS].join(', ')})`,
  })
  .meta({ not: { pattern: reservedPattern } });

const standardWebhooks = z.object({ type: z.literal('standard-webhooks') }).meta({
  description:
    'Standard Webhooks: `webhook-id` (the event id), `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the base64 part of a `whsec_` secret (any other secret: its UTF-8 bytes). The official `standardwebhooks` and `svix` libraries verify it.',
});

const bodyHmac = z
  .object({
    type: z.literal('hmac-sha256'),
    header: headerName.meta({ description: 'The header that carries it, such as `X-Webhook-Signature`.' }),
    prefix: z
      .enum(['', 'sha256='])
      .default('')
      .meta({ description: 'Written before the digest: `sha256=` or nothing.' }),
    encoding: z.enum(['hex', 'base64']).default('hex'),
  })
  .meta({
    description:
      'The HMAC-SHA256 of the exact body alone, keyed by the secret string exactly as shown, in one header. It carries no timestamp, so it cannot protect against replays; prefer Standard Webhooks where the receiver allows.',
  });

/** Which signatures each delivery carries, and how its envelope names the timestamp. */
export const signatureProfileInput = z
  .object({
    schemes: z
      .array(z.discriminatedUnion('type', [standardWebhooks, bodyHmac]))
      .min(1)
      .max(3)
      .refine(
        (schemes) => schemes.filter((s) => s.type === 'standard-webhooks').length <= 1,
        'at most one standard-webhooks scheme',
      )
      .refine((schemes) => {
        const names = schemes.flatMap((s) => (s.type === 'hmac-sha256' ? [s.header.toLowerCase()] : []));
        return new Set(names).size === names.length;
      }, 'each body signature needs a header of its own'),
    timestampField: z
      .enum(timestampFields)
      .default('createdAt')
      .meta({ description: "The name of the envelope's timestamp field." }),
  })
  .meta({
    id: 'SignatureProfile',
    description:
      'How deliveries are signed, so that receivers written against any common scheme can check them: up to three signatures per delivery, and the name of the timestamp in the body.',
    examples: [
      {
        schemes: [
          { type: 'standard-webhooks' },
          { type: 'hmac-sha256', header: 'X-Webhook-Signature', prefix: 'sha256=', encoding: 'hex' },
        ],
        timestampField: 'createdAt',
      },
    ],
  });
export type SignatureProfileInput = z.infer<typeof signatureProfileInput>;

export const signatureProfileSchema = z
  .object({
    schemes: z.array(
      z.union([
        z.object({ type: z.literal('standard-webhooks') }),
        z.object({
          type: z.literal('hmac-sha256'),
          header: z.string(),
          prefix: z.string(),
          encoding: z.enum(['hex', 'base64']),
        }),
      ]),
    ),
    timestampField: z.enum(timestampFields),
  })
  .meta({
    id: 'SignatureProfileSettings',
    description: 'The signatures deliveries carry and the envelope timestamp name.',
  });

/** Extra headers sent with every delivery (an authorisation token the receiver wants…); their values are secret. */
export const customHeadersInput = z
  .record(
    headerName,
    z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[\x20-\x7E\t]+$/, 'must be printable ASCII on one line'),
  )
  .refine((headers) => Object.keys(headers).length <= 20, 'at most 20 headers')
  .meta({
    maxProperties: 20,
    description:
      'Headers sent with every delivery, such as an authorisation token the endpoint wants: up to 20, values up to 1,024 characters. Values are stored encrypted and never shown again (responses list the names only); they cannot replace the headers Herald sets.',
    examples: [{ Authorization: 'Bearer receiver-token-123' }],
  });
