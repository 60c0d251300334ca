// The workflows this worker runs. Workflow code is bundled apart from the rest: no Node APIs, no I/O.
export { fanOutEvent } from './fan-out-event.js';
