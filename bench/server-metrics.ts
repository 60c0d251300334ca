/**
 * Counts requests to the Temporal frontend, by operation, from the dev server's Prometheus endpoint: the server,
 * not the worker, is the bottleneck here, so its round trips per delivery are the cost that matters.
 */
export type RequestCounts = Record<string, number>;

export async function frontendRequests(metricsUrl: string | undefined): Promise<RequestCounts> {
  // Against a cluster whose metrics endpoint was not given, there is nothing to count.
  if (!metricsUrl) return {};
  const text = await (await fetch(metricsUrl)).text();
  const counts: RequestCounts = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('service_requests{') || !line.includes('service_name="frontend"')) continue;
    const operation = /operation="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (operation) counts[operation] = (counts[operation] ?? 0) + value;
  }
  return counts;
}

/** Requests made between two scrapes, per delivery, leaving out the benchmark's own monitoring calls. */
export function perDelivery(before: RequestCounts, after: RequestCounts, deliveries: number): RequestCounts {
  const ignored = new Set([
    'CountWorkflowExecutions',
    'ListWorkflowExecutions',
    'DescribeWorkflowExecution',
    'GetWorkflowExecutionHistory',
    'GetSystemInfo',
    'DescribeNamespace',
    'RecordWorkerHeartbeat',
  ]);
  const result: RequestCounts = {};
  for (const [operation, count] of Object.entries(after)) {
    const delta = count - (before[operation] ?? 0);
    if (delta > 0 && !ignored.has(operation)) result[operation] = Math.round((delta / deliveries) * 100) / 100;
  }
  return result;
}

export function total(counts: RequestCounts): number {
  return Math.round(Object.values(counts).reduce((sum, n) => sum + n, 0) * 100) / 100;
}
