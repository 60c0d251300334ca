// The package's public entry point for applications and receivers (`@herald/client`).
export { createHeraldClient, type HeraldClient, type HeraldClientOptions } from './create-herald-client.js';
export { SIGNATURE_HEADER, signPayload, verifySignature } from './signature.js';
export { type BodySignatureHeader, type VerifyOptions, verifyWebhook, type WebhookHeaders } from './verify-webhook.js';
export type { AppRouter, RouterInputs, RouterOutputs } from './app-router.js';
export { TRPCClientError } from '@trpc/client';
