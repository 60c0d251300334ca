import { type ConnectionFlags, connect } from './connection.js';
import type { Output } from './output.js';

export interface TestFlags extends ConnectionFlags {
  eventType?: string;
  json?: boolean;
}

/**
 * `herald test <webhook>`: sends the webhook one test event per subscribed type (or `--event-type`), now, and
 * prints the report. Exit code 0 when every test was delivered, 1 when any failed.
 */
export async function testCommand(webhookId: string, flags: TestFlags, out: Output): Promise<number> {
  const { client } = connect(flags);
  const report = await client.webhooks.test.mutate({
    id: webhookId,
    ...(flags.eventType ? { eventType: flags.eventType } : {}),
  });
  if (flags.json) out.json(report);
  else {
    out.print(`${report.testsSucceeded} of ${report.testsRun} test(s) delivered to ${webhookId}`);
    for (const test of report.tests)
      out.print(
        `  ${out.mark(test.status === 'succeeded' ? '✓' : '✗')} ${test.eventType}  ${test.statusCode ?? '—'}  ${test.durationMs} ms${test.error ? `  ${test.error}` : ''}${test.filteredOut ? '  (its filter would keep this sample out)' : ''}`,
      );
  }
  return report.testsFailed === 0 ? 0 : 1;
}
