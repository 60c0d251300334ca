import cliProgress from 'cli-progress';
import { parseSeconds } from './trigger.js';
import { type ConnectionFlags, connect } from './connection.js';

type Print = (line: string) => void;

export interface ListDeliveriesFlags extends ConnectionFlags {
  webhook?: string;
  status?: string;
  eventType?: string;
  limit: string;
  json?: boolean;
}

/** `herald deliveries list`: the delivery log, newest first, one line each. */
export async function listDeliveriesCommand(flags: ListDeliveriesFlags, print: Print): Promise<number> {
  const { client } = connect(flags);
  const page = await client.deliveries.list.query({
    ...(flags.webhook ? { webhookId: flags.webhook } : {}),
    ...(flags.status ? { status: flags.status as 'failed' } : {}),
    ...(flags.eventType ? { eventType: flags.eventType } : {}),
    limit: Number(flags.limit),
  });
  if (flags.json) print(JSON.stringify(page));
  else
    for (const d of page.data)
      print(
        `${d.id}  ${d.status.padEnd(9)} ${String(d.statusCode ?? '—').padEnd(3)}  ${d.attempts} attempt(s)  ${d.eventType}  ${d.webhookId}  ${d.createdAt}${d.error && d.status !== 'succeeded' ? `  ${d.error}` : ''}`,
      );
  return 0;
}

/** `herald deliveries get`: one delivery and every attempt. */
export async function getDeliveryCommand(id: string, flags: ConnectionFlags & { json?: boolean }, print: Print) {
  const { client } = connect(flags);
  const delivery = await client.deliveries.get.query({ id });
  if (flags.json) print(JSON.stringify(delivery));
  else {
    print(`${delivery.id}  ${delivery.status}  ${delivery.eventType} ${delivery.eventId} → ${delivery.webhookId}`);
    if (delivery.nextAttemptAt) print(`next attempt at ${delivery.nextAttemptAt}`);
    for (const a of delivery.attemptLog)
      print(
        `  #${a.attemptNumber} ${a.trigger.padEnd(9)} ${a.outcome.padEnd(11)} ${String(a.statusCode ?? '—').padEnd(3)} ${a.durationMs ?? '—'} ms  ${a.requestedAt}${a.error ? `  ${a.error}` : ''}${a.waitReason ? `  (then waited ${a.waitMs} ms: ${a.waitReason})` : ''}`,
      );
  }
  return 0;
}

/** `herald deliveries retry`: a new series of attempts for a failed delivery. */
export async function retryDeliveryCommand(id: string, flags: ConnectionFlags & { json?: boolean }, print: Print) {
  const { client } = connect(flags);
  const retried = await client.deliveries.retry.mutate({ id });
  print(flags.json ? JSON.stringify(retried) : `retrying ${id}: a new series of attempts has started`);
  return 0;
}

/**
 * `herald recover <webhook> --since 2h`: redelivers what the webhook failed since then, showing the recovery
 * workflow's progress as it goes (a bar at a terminal, a line per change otherwise). Exit code 0 when every
 * redelivery succeeded, 1 when some failed or the recovery did not complete.
 */
export async function recoverCommand(
  webhookId: string,
  flags: ConnectionFlags & { since: string; json?: boolean },
  print: Print,
): Promise<number> {
  const { client } = connect(flags);
  const since = new Date(Date.now() - parseSeconds(flags.since) * 1000).toISOString();
  const started = await client.webhooks.recover.mutate({ id: webhookId, since });
  const bar = process.stderr.isTTY && !flags.json ? new cliProgress.SingleBar({ stream: process.stderr }) : undefined;
  let last = '';
  for (;;) {
    const recovery = await client.recoveries.get.query({ id: started.id });
    const progress = recovery.progress;
    if (progress && bar) {
      if (last === '') bar.start(progress.total, 0);
      bar.update(progress.processed);
      last = 'started';
    } else if (progress && !flags.json) {
      const line = `${progress.processed}/${progress.total} redelivered (${progress.succeeded} succeeded, ${progress.failed} failed)`;
      if (line !== last) print(line);
      last = line;
    }
    if (recovery.state !== 'running') {
      bar?.stop();
      if (flags.json) print(JSON.stringify(recovery));
      else
        print(
          `recovery ${recovery.id} ${recovery.state}: ${progress?.succeeded ?? 0} succeeded, ${progress?.failed ?? 0} failed of ${progress?.total ?? 0}`,
        );
      return recovery.state === 'completed' && (progress?.failed ?? 0) === 0 ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
