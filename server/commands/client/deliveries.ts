import cliProgress from 'cli-progress';
import { parseSeconds } from './trigger.js';
import { type ConnectionFlags, connect } from './connection.js';
import type { Output } from './output.js';

export interface ListDeliveriesFlags extends ConnectionFlags {
  webhook?: string;
  status?: string;
  eventType?: string;
  limit: string;
  json?: boolean;
}

/** `herald deliveries list`: the delivery log, newest first, one row each. */
export async function listDeliveriesCommand(flags: ListDeliveriesFlags, out: Output): Promise<number> {
  const { client } = connect(flags);
  const page = await client.deliveries.list.query({
    ...(flags.webhook ? { webhookId: flags.webhook } : {}),
    ...(flags.status ? { status: flags.status as 'failed' } : {}),
    ...(flags.eventType ? { eventType: flags.eventType } : {}),
    limit: Number(flags.limit),
  });
  if (flags.json) out.json(page);
  else
    out.table(
      ['ID', 'STATUS', 'HTTP', 'ATTEMPTS', 'EVENT TYPE', 'WEBHOOK', 'CREATED', 'ERROR'],
      page.data.map((d) => [
        d.id,
        out.state(d.status),
        String(d.statusCode ?? '—'),
        String(d.attempts),
        d.eventType,
        d.webhookId,
        d.createdAt,
        d.error && d.status !== 'succeeded' ? d.error : '',
      ]),
    );
  return 0;
}

/** `herald deliveries get`: one delivery and every attempt. */
export async function getDeliveryCommand(id: string, flags: ConnectionFlags & { json?: boolean }, out: Output) {
  const { client } = connect(flags);
  const delivery = await client.deliveries.get.query({ id });
  if (flags.json) out.json(delivery);
  else {
    out.print(
      `${delivery.id}  ${out.state(delivery.status)}  ${delivery.eventType} ${delivery.eventId} → ${delivery.webhookId}`,
    );
    if (delivery.nextAttemptAt) out.print(`next attempt at ${delivery.nextAttemptAt}`);
    out.table(
      ['#', 'TRIGGER', 'OUTCOME', 'HTTP', 'DURATION', 'REQUESTED AT', 'NOTE'],
      delivery.attemptLog.map((a) => [
        `#${a.attemptNumber}`,
        a.trigger,
        out.state(a.outcome),
        String(a.statusCode ?? '—'),
        `${a.durationMs ?? '—'} ms`,
        a.requestedAt,
        [a.error, a.waitReason ? `(then waited ${a.waitMs} ms: ${a.waitReason})` : ''].filter(Boolean).join('  '),
      ]),
      { indent: 2 },
    );
  }
  return 0;
}

/** `herald deliveries retry`: a new series of attempts for a failed delivery. */
export async function retryDeliveryCommand(id: string, flags: ConnectionFlags & { json?: boolean }, out: Output) {
  const { client } = connect(flags);
  const retried = await client.deliveries.retry.mutate({ id });
  if (flags.json) out.json(retried);
  else out.print(`retrying ${id}: a new series of attempts has started`);
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
  out: Output,
): Promise<number> {
  const print = out.print;
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
      if (flags.json) out.json(recovery);
      else
        print(
          `recovery ${recovery.id} ${out.state(recovery.state)}: ${progress?.succeeded ?? 0} succeeded, ${progress?.failed ?? 0} failed of ${progress?.total ?? 0}`,
        );
      return recovery.state === 'completed' && (progress?.failed ?? 0) === 0 ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
