/**
 * The attempt stream (`deliveries.tail`, `GET /v1/deliveries/tail`, `herald deliveries tail`): every attempt once,
 * filters, resuming after a lost connection, and the case a time cursor gets wrong: an attempt that commits after a
 * later one was streamed, with an earlier completion time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createHeraldClient, type HeraldClient } from '../../client/index.js';
import { newId } from '../../server/db/ids.js';
import { keyClient, workspaceWithKey } from '../support/keys.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

const stack = useStack({
  // Four attempts for a failing delivery, quickly.
  env: { HERALD_RETRY_SCHEDULE: '0,10ms,10ms,10ms' },
  receiver: (request) => (request.path.includes('fail') ? { status: 500 } : { status: 200, body: 'OK' }),
});
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Streamed {
  id: string;
  data: { id: string; deliveryId: string; webhookId: string; eventType: string; outcome: string; completedAt: string };
}

/** A running `deliveries.tail` subscription and everything it has received, in order. */
function tail(client: HeraldClient, input: Parameters<HeraldClient['deliveries']['tail']['subscribe']>[0] = {}) {
  const received: Streamed[] = [];
  const errors: unknown[] = [];
  let started = false;
  const subscription = client.deliveries.tail.subscribe(input, {
    onStarted: () => (started = true),
    onData: (event) => received.push(event as unknown as Streamed),
    onError: (error) => errors.push(error),
  });
  return {
    received,
    ids: () => received.map((event) => event.data.id),
    started: () => waitFor(() => started || errors[0], { what: 'the subscription to start' }),
    errors,
    stop: () => subscription.unsubscribe(),
  };
}

/** The ids of the finished attempts of a workspace's deliveries, as the attempts table has them. */
async function attemptsOf(
  workspaceId: string,
  where: { outcome?: string; webhookId?: string; eventType?: string } = {},
): Promise<string[]> {
  let query = stack.herald.db
    .selectFrom('delivery_attempts as a')
    .innerJoin('deliveries as d', 'd.id', 'a.delivery_id')
    .select('a.id')
    .where('d.workspace_id', '=', workspaceId)
    .where('a.outcome', '!=', 'in_flight');
  if (where.outcome) query = query.where('a.outcome', '=', where.outcome as 'failed');
  if (where.webhookId) query = query.where('d.webhook_id', '=', where.webhookId);
  if (where.eventType) query = query.where('d.event_type', '=', where.eventType);
  return (await query.execute()).map((row) => row.id).sort();
}

/** Waits until no delivery of the workspace is pending any more. */
async function settledWorkspace(workspaceId: string) {
  await waitFor(
    async () => {
      const pending = await stack.herald.db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow();
      return Number(pending.n) === 0;
    },
    { what: 'every delivery to settle' },
  );
}

const sorted = (ids: string[]) => [...ids].sort();

describe('deliveries.tail', () => {
  it('streams every attempt exactly once, and each filter exactly its attempts', async () => {
    const tenant = await workspaceWithKey(stack.herald, 'tail: every attempt');
    const good = await tenant.client.webhooks.create.mutate({ url: `${stack.receiver.url}/good`, events: ['tail.*'] });
    const bad = await tenant.client.webhooks.create.mutate({ url: `${stack.receiver.url}/fail`, events: ['tail.*'] });
    const all = tail(tenant.client);
    const failed = tail(tenant.client, { status: 'failed' });
    const toGood = tail(tenant.client, { webhookId: good.id });
    const ofTypeB = tail(tenant.client, { eventType: 'tail.b' });
    // Another workspace's attempts never show.
    const other = await workspaceWithKey(stack.herald, 'tail: someone else');
    await other.client.webhooks.create.mutate({ url: `${stack.receiver.url}/other`, events: ['tail.*'] });
    for (const stream of [all, failed, toGood, ofTypeB]) await stream.started();

    for (let n = 0; n < 8; n++) {
      await tenant.client.events.publish.mutate({ type: n % 2 ? 'tail.b' : 'tail.a', data: { n } });
      await other.client.events.publish.mutate({ type: 'tail.a', data: { n } });
    }
    await settledWorkspace(tenant.workspaceId);
    const expected = await attemptsOf(tenant.workspaceId);
    // 8 deliveries that succeed at once, 8 that fail 4 times.
    expect(expected).toHaveLength(8 + 8 * 4);
    await waitFor(() => all.received.length >= expected.length, { what: 'every attempt on the stream' });
    const cases: Array<[ReturnType<typeof tail>, Parameters<typeof attemptsOf>[1]]> = [
      [failed, { outcome: 'failed' }],
      [toGood, { webhookId: good.id }],
      [ofTypeB, { eventType: 'tail.b' }],
    ];
    const wanted = new Map<ReturnType<typeof tail>, string[]>();
    for (const [stream, where] of cases) {
      wanted.set(stream, await attemptsOf(tenant.workspaceId, where));
      await waitFor(() => stream.received.length >= wanted.get(stream)!.length, {
        what: `${JSON.stringify(where)} on the stream`,
      });
    }
    // Whatever else was going to arrive has: a later publish in the same workspace is streamed after all of these.
    await tenant.client.events.publish.mutate({ type: 'tail.marker', data: {} });
    await waitFor(() => all.received.some((e) => e.data.eventType === 'tail.marker'), { what: 'the marker' });
    await waitFor(() => toGood.received.some((e) => e.data.eventType === 'tail.marker'), { what: 'the marker' });
    const settledIds = (stream: ReturnType<typeof tail>) =>
      stream.received.filter((e) => e.data.eventType !== 'tail.marker').map((e) => e.data.id);

    // The marker's own attempts (one webhook fails it) complete too, so that the stream has ended growing.
    await settledWorkspace(tenant.workspaceId);
    const everything = await attemptsOf(tenant.workspaceId);
    await waitFor(() => all.received.length >= everything.length, { what: "the marker's attempts" });
    expect(sorted(all.ids())).toEqual(everything);
    expect(sorted(settledIds(all))).toEqual(expected);
    for (const [stream, where] of cases)
      expect(sorted(settledIds(stream)), JSON.stringify(where)).toEqual(wanted.get(stream));
    expect(new Set(all.ids()).size).toBe(all.received.length);
    expect(all.received.every((e) => e.data.webhookId === good.id || e.data.webhookId === bad.id)).toBe(true);
    expect(all.errors).toEqual([]);
    for (const stream of [all, failed, toGood, ofTypeB]) stream.stop();

    // The same stream over plain HTTP, resumed from an event id the subscription received: exactly what followed it.
    const from = 10;
    const resumed = await openRest(tenant.key, { 'last-event-id': all.received[from - 1]!.id });
    const rest = await resumed.read(all.received.length - from);
    expect(rest.map((e) => e.id)).toEqual(all.received.slice(from).map((e) => e.id));
    expect(rest.map((e) => e.data)).toEqual(all.received.slice(from).map((e) => e.data));
  });

  it('resumes after a lost connection with no gap and no duplicate', async () => {
    const tenant = await workspaceWithKey(stack.herald, 'tail: reconnects');
    await tenant.client.webhooks.create.mutate({ url: `${stack.receiver.url}/good`, events: ['resume.*'] });
    await tenant.client.webhooks.create.mutate({ url: `${stack.receiver.url}/fail`, events: ['resume.*'] });
    // The first connection of the stream is cut after it has carried a few attempts; the EventSource reconnects
    // on its own, sending the last event id it saw.
    const connections: Array<string | null> = [];
    let cut: (() => void) | undefined;
    const cutting: typeof fetch = async (url, init) => {
      const response = await fetch(url, init);
      if (!String(url).includes('deliveries.tail')) return response;
      connections.push(new Headers(init?.headers).get('last-event-id'));
      if (connections.length > 1 || !response.body) return response;
      const reader = response.body.getReader();
      let events = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          events += (new TextDecoder().decode(value).match(/^id: \d+-att_/gm) ?? []).length;
          if (events >= 5) {
            await reader.cancel();
            controller.error(new Error('connection cut by the test'));
            cut?.();
          }
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const client = createHeraldClient({ url: stack.herald.url, apiKey: tenant.key, fetch: cutting });
    const stream = tail(client);
    await stream.started();
    const wasCut = new Promise<void>((resolve) => (cut = resolve));

    for (let n = 0; n < 6; n++) await tenant.client.events.publish.mutate({ type: 'resume.a', data: { n } });
    await wasCut;
    // Attempts that complete while the stream is away.
    for (let n = 6; n < 12; n++) await tenant.client.events.publish.mutate({ type: 'resume.a', data: { n } });
    await settledWorkspace(tenant.workspaceId);
    const expected = await attemptsOf(tenant.workspaceId);
    expect(expected).toHaveLength(12 + 12 * 4);
    await waitFor(() => stream.received.length >= expected.length, {
      what: `every attempt after the reconnect (${stream.received.length} of ${expected.length})`,
    });

    expect(connections.length).toBeGreaterThanOrEqual(2);
    expect(connections[0]).toBeNull();
    expect(connections[1]).toMatch(/^\d+-att_/);
    expect(stream.ids()).toContain(connections[1]!.split('-')[1]);
    expect(sorted(stream.ids())).toEqual(expected);
    expect(new Set(stream.ids()).size).toBe(stream.received.length);
    stream.stop();
  });

  it('streams an attempt that commits after a later one was streamed, with an earlier completion time', async () => {
    const tenant = await workspaceWithKey(stack.herald, 'tail: late commits');
    await tenant.client.webhooks.create.mutate({ url: `${stack.receiver.url}/good`, events: ['late.*'] });
    const published = await tenant.client.events.publish.mutate({ type: 'late.a', data: {} });
    const deliveryId = published.deliveries[0]!.id;
    await settledWorkspace(tenant.workspaceId);
    const stream = tail(tenant.client);
    await stream.started();
    const { db } = stack.herald;
    const record = (executor: typeof db, id: string, number: number) =>
      sql`INSERT INTO delivery_attempts (id, delivery_id, attempt_number, trigger, outcome, completed_at, duration_ms, status_code)
          VALUES (${id}, ${deliveryId}, ${number}, 'manual', 'succeeded', now(), 5, 200)`.execute(executor);

    // 1. A transaction takes its time (now() is its start) before it records attempt #2; meanwhile attempt #3 is
    //    recorded, committed and streamed. #2 then commits with the earlier completion time.
    const early = newId('attempt');
    const later = newId('attempt');
    await db.transaction().execute(async (trx) => {
      await sql`SELECT now()`.execute(trx);
      await record(db, later, 3);
      await waitFor(() => stream.ids().includes(later), { what: 'the later attempt on the stream' });
      await record(trx, early, 2);
    });
    await waitFor(() => stream.ids().includes(early), { what: 'the attempt that committed late' });
    const at = (id: string) => new Date(stream.received.find((e) => e.data.id === id)!.data.completedAt).getTime();
    expect(at(early)).toBeLessThanOrEqual(at(later));
    expect(stream.ids().indexOf(early)).toBeGreaterThan(stream.ids().indexOf(later));

    // 2. A transaction that records attempt #4 and stays open while #5 commits: both arrive, once each, #4 first.
    const held = newId('attempt');
    const after = newId('attempt');
    await db.transaction().execute(async (trx) => {
      await record(trx, held, 4);
      await record(db, after, 5);
    });
    await waitFor(() => stream.ids().includes(held) && stream.ids().includes(after), { what: 'both attempts' });
    // The marker: once a later attempt arrived, anything duplicated would have too.
    const marker = await tenant.client.events.publish.mutate({ type: 'late.marker', data: {} });
    await waitFor(() => stream.received.some((e) => e.data.deliveryId === marker.deliveries[0]!.id), {
      what: 'the marker',
    });
    expect(stream.ids().indexOf(held)).toBeLessThan(stream.ids().indexOf(after));
    expect(stream.ids().filter((id) => [early, later, held, after].includes(id))).toHaveLength(4);
    expect(new Set(stream.ids()).size).toBe(stream.received.length);
    stream.stop();
  });
});

/**
 * Opens `GET /v1/deliveries/tail`; once it answers, the stream's starting point is fixed. `read(count)` reads that
 * many events, then hangs up.
 */
async function openRest(key: string, headers: Record<string, string> = {}, query = '') {
  const abort = new AbortController();
  const response = await fetch(`${stack.herald.url}/v1/deliveries/tail${query}`, {
    headers: { 'x-api-key': key, ...headers },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return {
    async read(count: number): Promise<Array<{ id: string; data: Streamed['data'] }>> {
      const events: Array<{ id: string; data: Streamed['data'] }> = [];
      const decoder = new TextDecoder();
      let buffer = '';
      const reader = response.body!.getReader();
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && data) events.push({ id, data: JSON.parse(data) as Streamed['data'] });
        }
      }
      abort.abort();
      return events.slice(0, count);
    },
  };
}

describe('GET /v1/deliveries/tail', () => {
  it('answers errors in the one error shape before the stream starts', async () => {
    const missing = await fetch(`${stack.herald.url}/v1/deliveries/tail`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const reader = await keyClient(stack.herald, { permissions: ['webhooks:read'] });
    const forbidden = await fetch(`${stack.herald.url}/v1/deliveries/tail`, { headers: { 'x-api-key': reader.key } });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({
      error: { code: 'FORBIDDEN', message: 'This API key lacks the deliveries:read permission.' },
    });
    const invalid = await fetch(`${stack.herald.url}/v1/deliveries/tail?status=maybe`, {
      headers: { 'x-api-key': stack.herald.adminKey, 'last-event-id': 'nonsense' },
    });
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: { code: string; issues: Array<{ path: string }> } };
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.issues.map((issue) => issue.path).sort()).toEqual(['lastEventId', 'status']);
    // Ids shaped like this stream's but no transaction id Postgres takes (found by the fuzzer: the stream used to
    // start, then fail on its first read).
    for (const id of ['07866-att_01M892BT50SMKNPV4DA16YG4P7', '99999999999999999999-att_01M892BT50SMKNPV4DA16YG4P7']) {
      const refused = await fetch(`${stack.herald.url}/v1/deliveries/tail`, {
        headers: { 'x-api-key': stack.herald.adminKey, 'last-event-id': id },
      });
      expect(refused.status, id).toBe(400);
      await refused.body?.cancel();
    }
  });

  it('streams attempts as they complete, filtered by the query', async () => {
    const tenant = await workspaceWithKey(stack.herald, 'tail: REST');
    await tenant.client.webhooks.create.mutate({ url: `${stack.receiver.url}/good`, events: ['rest.*'] });
    await tenant.client.webhooks.create.mutate({ url: `${stack.receiver.url}/fail`, events: ['rest.*'] });
    const stream = await openRest(tenant.key, {}, '?status=failed');
    await tenant.client.events.publish.mutate({ type: 'rest.a', data: {} });
    const events = await stream.read(4);
    expect(events).toHaveLength(4);
    expect(events.every((e) => e.data.outcome === 'failed' && e.data.eventType === 'rest.a')).toBe(true);
    expect(events.map((e) => e.data.id).sort()).toEqual(await attemptsOf(tenant.workspaceId, { outcome: 'failed' }));
  });
});

describe('herald deliveries tail', () => {
  it('prints one JSON line per attempt, with its filters, and exits 0 on Ctrl-C', async () => {
    const tenant = await workspaceWithKey(stack.herald, 'tail: CLI');
    const bad = await tenant.client.webhooks.create.mutate({ url: `${stack.receiver.url}/fail`, events: ['cli.*'] });
    await tenant.client.webhooks.create.mutate({ url: `${stack.receiver.url}/good`, events: ['cli.*'] });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/main.ts', 'deliveries', 'tail', '--json', '--webhook', bad.id, '--status', 'failed'],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          HERALD_URL: stack.herald.url,
          HERALD_API_KEY: tenant.key,
        },
      },
    );
    const output = collect(child);
    try {
      await waitFor(() => /tailing/.test(output.stderr()), { what: `the tail to start (${output.stderr()})` });
      await tenant.client.events.publish.mutate({ type: 'cli.a', data: {} });
      await tenant.client.events.publish.mutate({ type: 'cli.b', data: {} });
      const lines = await waitFor(
        () => {
          const parsed = output
            .stdout()
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Streamed['data'] & { eventId: string });
          return parsed.length >= 8 ? parsed : undefined;
        },
        { what: `eight attempts printed (${output.stdout()})` },
      );
      expect(lines).toHaveLength(8);
      expect(lines.every((line) => line.webhookId === bad.id && line.outcome === 'failed')).toBe(true);
      expect(lines.map((line) => line.id).sort()).toEqual(
        await attemptsOf(tenant.workspaceId, { webhookId: bad.id, outcome: 'failed' }),
      );
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

function collect(child: ChildProcess) {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { stdout: () => stdout, stderr: () => stderr };
}
