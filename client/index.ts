// The package's public entry point for applications and receivers.
export { createHeraldClient, type HeraldClient, type HeraldClientOptions } from './create-herald-client.js';
export { SIGNATURE_HEADER, signPayload, verifySignature } from './signature.js';
export type { AppRouter } from '../server/api/routers/index.js';
export { TRPCClientError } from '@trpc/client';
