import type { HeraldClient } from '../../../client/index.js';
import { sampleData } from '../../catalog/sample-data.js';
import { type ConnectionFlags, connect, jsonOption, UsageError } from './connection.js';
import type { Output } from './output.js';
import { waitForOutcomes, type DeliveryOutcome } from './outcomes.js';

export interface TriggerFlags extends ConnectionFlags {
  data?: string;
  id?: string;
  deliverAt?: string;
  orderingKey?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

/**
 * `herald trigger <type>`: publishes one event. Its data comes from `--data` (JSON, or `@file.json`), else a sample
 * of the type (its example, else generated from its schema, as test sends do). With `--wait`, waits for every delivery's first outcome and returns
 * the exit code: 0 when each was delivered, 1 when any failed (even if a retry is still to come), 3 on timeout.
 */
export async function triggerCommand(type: string, flags: TriggerFlags, out: Output): Promise<number> {
  const { client } = connect(flags);
  const print = out.print;
  const data = await dataFor(client, type, flags.data);
  const deliverAt = flags.deliverAt === undefined ? undefined : parseDeliverAt(flags.deliverAt);
  const published = await client.events.publish.mutate({
    ...(flags.id ? { id: flags.id } : {}),
    type,
    data,
    ...(deliverAt ? { deliverAt } : {}),
    ...(flags.orderingKey !== undefined ? { orderingKey: flags.orderingKey } : {}),
  });
  if (!flags.wait) {
    if (flags.json) out.json(published);
    else
      print(
        `${published.duplicate ? 'already published' : 'published'} ${published.id} (${type}) to ${published.deliveries.length} webhook(s)${
          published.deliverAt
            ? `, ${out.state('scheduled')} for ${published.deliverAt} (herald events cancel ${published.id} withdraws it)`
            : ''
        }`,
      );
    return 0;
  }
  const outcomes = await waitForOutcomes(
    client,
    published.deliveries.map((d) => d.id),
    parseSeconds(flags.timeout),
  );
  if (flags.json) out.json({ ...published, outcomes });
  else {
    print(`published ${published.id} (${type}) to ${published.deliveries.length} webhook(s)`);
    for (const outcome of outcomes) print(describe(outcome, out));
  }
  if (outcomes.some((o) => o.result === 'waiting')) return 3;
  return outcomes.every((o) => o.result === 'delivered') ? 0 : 1;
}

function describe(outcome: DeliveryOutcome, out: Output): string {
  const mark = { delivered: '✓', failed: '✗', waiting: '…', parked: '‖' }[outcome.result];
  const detail =
    outcome.result === 'delivered'
      ? `delivered (${outcome.statusCode}) after ${outcome.attempts} attempt(s)`
      : outcome.result === 'parked'
        ? 'parked: the webhook is paused or disabled'
        : outcome.result === 'waiting'
          ? 'no outcome yet (timed out waiting)'
          : `failed: ${outcome.error ?? `HTTP ${outcome.statusCode}`}${outcome.nextAttemptAt ? `; next attempt at ${outcome.nextAttemptAt}` : ''}`;
  return `  ${out.mark(mark)} ${outcome.webhookId}  ${detail}`;
}

async function dataFor(client: HeraldClient, type: string, flag: string | undefined): Promise<Record<string, unknown>> {
  if (flag !== undefined) {
    const parsed = await jsonOption('--data', flag);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new UsageError('--data must be a JSON object, such as {"orderId":"ord_1"}');
    return parsed as Record<string, unknown>;
  }
  try {
    return sampleData(await client.eventTypes.get.query({ name: type }));
  } catch {
    // Not in the catalog: any name is accepted until a workspace has a catalog.
    return sampleData(undefined);
  }
}

/**
 * `--deliver-at`: an ISO 8601 time with its offset (`2026-12-01T09:00:00Z`), or `+` and a duration from now (`+2h`,
 * `+30m`); the ISO form of the time either way.
 */
export function parseDeliverAt(value: string, now = Date.now()): string {
  const text = value.trim();
  if (text.startsWith('+')) return new Date(now + parseSeconds(text.slice(1)) * 1000).toISOString();
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text)
    ? Date.parse(text)
    : NaN;
  if (Number.isNaN(time))
    throw new Error(`--deliver-at expects an ISO time with its offset (2026-12-01T09:00:00Z) or +2h, got "${value}"`);
  return new Date(time).toISOString();
}

/** `30s`, `2m`, `2h`, `3d` or a number of seconds. */
export function parseSeconds(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new Error(`expected a duration such as 30s, 2m or 2h, got "${value}"`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] ?? 's']!;
  return Number(match[1]) * unit;
}
