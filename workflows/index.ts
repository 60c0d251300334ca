// The workflows this worker runs. Workflow code is bundled apart from the rest: no Node APIs, no I/O.
export { deliveryReconciler } from './delivery-reconciler.js';
export { drainWebhook } from './drain-webhook.js';
export { fanOutEvent } from './fan-out-event.js';
export { recoverWebhook } from './recover-webhook.js';
export { resumeDelivery } from './resume-delivery.js';
export { retryDelivery } from './retry-delivery.js';
