import { TRPCClientError } from '@trpc/client';
import cliProgress from 'cli-progress';
import type { RouterOutputs } from '../../../client/index.js';
import { parseSeconds } from './trigger.js';
import { type ConnectionFlags, connect, explain } from './connection.js';
import type { Output } from './output.js';

type Print = (line: string) => void;

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

/** `herald deliveries skip`: the later events of a blocked ordering key go past a failed delivery. */
export async function skipDeliveryCommand(id: string, flags: ConnectionFlags & { json?: boolean }, out: Output) {
  const { client } = connect(flags);
  const skipped = await client.deliveries.skip.mutate({ id });
  if (flags.json) out.json(skipped);
  else out.print(`skipped ${id}: the later events of ordering key ${skipped.orderingKey} go on (it stays failed)`);
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

export interface TailDeliveriesFlags extends ConnectionFlags {
  webhook?: string;
  status?: string;
  eventType?: string;
  json?: boolean;
}

type StreamedAttempt = (RouterOutputs['deliveries']['tail'] extends AsyncIterable<infer T> ? T : never)['data'];

/** Answers that another try would get again: the command stops and says why. */
const FINAL_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'BAD_REQUEST', 'NOT_FOUND']);

/**
 * `herald deliveries tail`: every attempt as it completes, one line each (JSON lines with --json), until Ctrl-C,
 * which exits 0. A dropped connection is taken up again from the last attempt printed (the EventSource sends its
 * id by itself; after an error or a server restart the command subscribes again with it), so nothing is missed
 * or printed twice. Status lines go to stderr, so stdout holds attempts only.
 */
export async function tailDeliveriesCommand(
  flags: TailDeliveriesFlags,
  out: Output,
  note: Print = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const { client, settings } = connect(flags);
  const filter = {
    ...(flags.webhook ? { webhookId: flags.webhook } : {}),
    ...(flags.status ? { status: flags.status as 'failed' } : {}),
    ...(flags.eventType ? { eventType: flags.eventType } : {}),
  };
  return new Promise<number>((resolve, reject) => {
    let lastEventId: string | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    let announced = false;
    let away = false;
    let subscription: { unsubscribe(): void } | undefined;
    const stop = (outcome: () => void) => {
      stopped = true;
      clearTimeout(retry);
      subscription?.unsubscribe();
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      outcome();
    };
    const interrupted = () => stop(() => resolve(0));
    const again = (why: string) => {
      subscription?.unsubscribe();
      if (stopped) return;
      note(`${why}; reconnecting${lastEventId ? ' after the last attempt shown' : ''}…`);
      retry = setTimeout(subscribe, 1000);
    };
    const subscribe = () => {
      subscription = client.deliveries.tail.subscribe(
        { ...filter, ...(lastEventId ? { lastEventId } : {}) },
        {
          onStarted: () => {
            if (announced) return note('reconnected');
            announced = true;
            note(`tailing attempts at ${settings.url} (Ctrl-C to stop)`);
          },
          onData: (event) => {
            lastEventId = event.id;
            out.print(flags.json ? JSON.stringify(event.data) : describeAttempt(event.data, out));
          },
          onError: (error) => {
            const code =
              error instanceof TRPCClientError ? (error.data as { code?: string } | undefined)?.code : undefined;
            if (code && FINAL_CODES.has(code)) stop(() => reject(error));
            else again(`stream interrupted (${error.message})`);
          },
          // The server ended the stream: it is stopping. Come back when it is up again.
          onComplete: () => again('Herald closed the stream'),
          // The EventSource reconnects by itself; say so once per outage, so a silent terminal is not a mystery.
          onConnectionStateChange: (state) => {
            if (state.state === 'pending') away = false;
            if (state.state !== 'connecting' || !state.error || away) return;
            away = true;
            note(`${explain(state.error, settings)}; reconnecting…`);
          },
        },
      );
    };
    process.on('SIGINT', interrupted);
    process.on('SIGTERM', interrupted);
    subscribe();
  });
}

function describeAttempt(a: StreamedAttempt, out: Output): string {
  const pc = out.colour;
  const outcome = out.state(a.outcome.padEnd(11));
  return `${pc.dim(a.completedAt)}  ${outcome} ${String(a.statusCode ?? '—').padEnd(3)} ${String(a.durationMs ?? '—').padStart(5)} ms  #${a.attemptNumber} ${a.eventType}  ${a.deliveryId} → ${a.webhookId}${a.error ? `  ${pc.dim(a.error)}` : ''}`;
}
