import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { PortalRouter } from '../../api/routers/portal/index.js';

/**
 * The portal's procedures, typed by the server's router. The session is the HTTP-only cookie the link set; the
 * custom header is what the server takes as proof that the call comes from this page (a cross-site form or
 * image cannot send it).
 */
export const api = createTRPCClient<PortalRouter>({
  links: [
    httpBatchLink({
      url: '/portal/trpc',
      headers: { 'x-herald-portal': '1' },
      fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
    }),
  ],
});

export type Outputs = inferRouterOutputs<PortalRouter>;
export type Inputs = inferRouterInputs<PortalRouter>;
export type Session = Outputs['session']['get'];
export type EventType = Outputs['eventTypes']['list'][number];
export type Webhook = Outputs['webhooks']['list'][number];
export type WebhookDetail = Outputs['webhooks']['get'];
export type TestReport = Outputs['webhooks']['test'];
export type DeliveryPage = Outputs['deliveries']['list'];
export type Delivery = DeliveryPage['data'][number];
export type DeliveryDetail = Outputs['deliveries']['get'];
export type DeliveryFilters = Inputs['deliveries']['list'];

/** The session ended or never began: the page shows how to get a new link. */
export function isSessionGone(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const data = error.data as { code?: string; httpStatus?: number } | undefined;
  return data?.code === 'UNAUTHORIZED' || data?.httpStatus === 401;
}

/** What to tell the owner about a failed call: the server's message, which says what to do next. */
export function messageOf(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
