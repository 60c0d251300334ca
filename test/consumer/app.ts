// A separate TypeScript application using Herald's published client, `@herald/client`, installed from its tarball.
// `test/consumer/check.sh` installs the packed client into a clean folder and compiles this file under `strict` and
// `skipLibCheck: false`: it must compile, and every `@ts-expect-error` line must stay an error.
import { createServer } from 'node:http';
import {
  createHeraldClient,
  SIGNATURE_HEADER,
  TRPCClientError,
  verifySignature,
  type AppRouter,
  type HeraldClient,
  type RouterInputs,
  type RouterOutputs,
} from '@herald/client';

const herald: HeraldClient = createHeraldClient({ url: 'http://localhost:3000', apiKey: 'hk_test_example' });

export async function example(): Promise<string> {
  const webhook = await herald.webhooks.create.mutate({ url: 'https://example.com/hooks', events: ['order.created'] });
  const secret: string = webhook.secret;
  const fetched = await herald.webhooks.get.query({ id: webhook.id });
  // @ts-expect-error the secret is only ever returned by create
  void fetched.secret;
  // @ts-expect-error events must be a list of type names
  await herald.webhooks.create.mutate({ url: 'https://example.com/hooks', events: 'order.created' });
  // @ts-expect-error a webhook is created with a url
  await herald.webhooks.create.mutate({ events: ['order.created'] });
  // A payload filter is typed all the way down, recursion included.
  const filtered = await herald.webhooks.create.mutate({
    url: 'https://example.com/big',
    events: ['order.created'],
    filter: { and: [{ field: 'data.amount', gte: 100 }, { not: { field: 'data.test', eq: true } }] },
  });
  void filtered.filter;
  // @ts-expect-error a condition's in takes a list
  await herald.webhooks.update.mutate({ id: webhook.id, filter: { field: 'data.currency', in: 'EUR' } });

  const published = await herald.events.publish.mutate({ type: 'order.created', data: { orderId: 'ord_1' } });
  const status: string = published.deliveries[0]!.status;
  // @ts-expect-error a delivery's status is a name such as 'pending'
  const statusNumber: number = published.deliveries[0]!.status;
  void statusNumber;
  // @ts-expect-error deliveries are filtered by a status class such as '5xx'
  await herald.deliveries.list.query({ webhookId: webhook.id, statusClass: '500' });
  const { data, nextCursor } = await herald.deliveries.list.query({ webhookId: webhook.id, statusClass: '5xx' });
  const codes: Array<number | null> = data.map((delivery) => delivery.statusCode);
  // @ts-expect-error there is no such procedure
  await herald.webhooks.remove.mutate({ id: webhook.id });

  const input: RouterInputs['events']['publish'] = { id: 'order_1001_created', type: 'order.created', data: {} };
  const batch: RouterOutputs['events']['publishBatch'] = await herald.events.publishBatch.mutate({ events: [input] });
  try {
    await herald.webhooks.get.query({ id: 'wh_missing' });
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const typed = error as TRPCClientError<AppRouter>;
      const code: string | undefined = typed.data?.code;
      void code;
    }
  }
  return `${status} ${codes.length} ${nextCursor ?? ''} ${batch.events.length} ${secret}`;
}

/** A receiver: verifies each delivery against the raw body before it trusts it. */
export function receiver(secret: string) {
  return createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const header = request.headers[SIGNATURE_HEADER.toLowerCase()];
      const valid = verifySignature(rawBody, typeof header === 'string' ? header : undefined, secret);
      response.writeHead(valid ? 204 : 401).end();
    });
  });
}
