/**
 * The stored shape of a signature profile (workspace default, webhook override): which signatures a delivery
 * carries and how its envelope names the timestamp. The delivery core signs with it (server/delivery/signing.ts).
 */
export type SignatureScheme =
  { type: 'standard-webhooks' } | { type: 'hmac-sha256'; header: string; prefix: string; encoding: 'hex' | 'base64' };

/** The name of the envelope's timestamp field: receivers parse the body they were written against. */
export const timestampFields = ['createdAt', 'created_at', 'timestamp'] as const;
export type TimestampField = (typeof timestampFields)[number];

export interface SignatureProfile {
  schemes: SignatureScheme[];
  timestampField: TimestampField;
}
