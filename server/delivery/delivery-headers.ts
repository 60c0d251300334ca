import { signPayload } from './signature.js';

/** Headers of every delivery. `X-Webhook-Id` is the event id, stable across retries, for receivers to deduplicate. */
export function deliveryHeaders(args: {
  body: string;
  secret: string;
  eventId: string;
  eventType: string;
  attemptNumber: number;
  userAgent: string;
}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': args.userAgent,
    'x-webhook-id': args.eventId,
    'x-webhook-event': args.eventType,
    'x-webhook-attempt': String(args.attemptNumber),
    'x-webhook-signature': signPayload(args.body, args.secret),
  };
}
