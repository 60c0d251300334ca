import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from './app-router.js';

export interface HeraldClientOptions {
  /** Herald's base URL, such as http://localhost:3000. */
  url: string;
  apiKey?: string | undefined;
  /** Replace the global fetch (tests, proxies); subscriptions use it too. */
  fetch?: typeof globalThis.fetch;
}

/**
 * A client whose every procedure, input and output is typed from Herald's router; nothing is generated.
 * Subscriptions (`deliveries.tail`) run over server-sent events through the `eventsource` package's EventSource,
 * which Node lacks and which, unlike a browser's, can send the API key header. When its connection drops it
 * reconnects by itself, sending the last event id, and the stream resumes right after the last attempt received.
 */
export function createHeraldClient(options: HeraldClientOptions): TRPCClient<AppRouter> {
  const base = options.url.replace(/\/+$/, '');
  const headers = (): Record<string, string> => (options.apiKey ? { 'x-api-key': options.apiKey } : {});
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${base}/trpc`,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (url, init) => fetchImpl(url, { ...init, headers: { ...init.headers, ...headers() } }),
          }),
        }),
        false: httpBatchLink({
          url: `${base}/trpc`,
          headers,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
      }),
    ],
  });
}

export type HeraldClient = ReturnType<typeof createHeraldClient>;
