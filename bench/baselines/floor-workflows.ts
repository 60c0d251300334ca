import { proxyActivities } from '@temporalio/workflow';

// F, the Temporal floor: the least a workflow-per-event design can cost, with activities that do nothing.

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '30s' });

/** One no-op workflow with one no-op regular activity: Herald's W1 shape with all of Herald's work removed. */
export async function floorOneActivity(): Promise<void> {
  await noop();
}

/** One workflow with `count` no-op activities in parallel: the fan-out shape. */
export async function floorFanOut(count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, () => noop()));
}
