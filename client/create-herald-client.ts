import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from './app-router.js';

export interface HeraldClientOptions {
  /** Herald's base URL, such as http://localhost:3000. */
  url: string;
  apiKey?: string | undefined;
  /** Replace the global fetch (tests, proxies). */
  fetch?: typeof globalThis.fetch;
}

/** A client whose every procedure, input and output is typed from Herald's router; nothing is generated. */
export function createHeraldClient(options: HeraldClientOptions): TRPCClient<AppRouter> {
  const base = options.url.replace(/\/+$/, '');
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${base}/trpc`,
        headers: () => (options.apiKey ? { 'x-api-key': options.apiKey } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}

export type HeraldClient = ReturnType<typeof createHeraldClient>;
