// A separate TypeScript application using Herald's published client, as `herald/client` (the built package).
// `.ci/run` type-checks it after `npm run build`: it must compile, and the `@ts-expect-error` lines must stay errors.
import { createHeraldClient, verifySignature } from 'herald/client';

const herald = createHeraldClient({ url: 'http://localhost:3000', apiKey: 'hk_test_example' });

export async function example(rawBody: string, signatureHeader: string): Promise<boolean> {
  const webhook = await herald.webhooks.create.mutate({ url: 'https://example.com/hooks', events: ['order.created'] });
  const secret: string = webhook.secret;
  const fetched = await herald.webhooks.get.query({ id: webhook.id });
  // @ts-expect-error the secret is only ever returned by create
  void fetched.secret;
  // @ts-expect-error events must be a list of type names
  await herald.webhooks.create.mutate({ url: 'https://example.com/hooks', events: 'order.created' });
  const published = await herald.events.publish.mutate({ type: 'order.created', data: { orderId: 'ord_1' } });
  const status: 'pending' | 'succeeded' | 'failed' = published.deliveries[0]!.status;
  void status;
  return verifySignature(rawBody, signatureHeader, secret);
}
