// The workflows this worker runs. Workflow code is bundled apart from the rest: no Node APIs, no I/O.
export { fanOutEvent } from './fan-out-event.js';
export { recoverWebhook } from './recover-webhook.js';
export { retryDelivery } from './retry-delivery.js';
