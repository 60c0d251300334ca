/**
 * The `herald` command as a user drives it: spawned processes against the real stack, checked by their output
 * and exit codes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { workspaceWithKey } from '../support/keys.js';
import { startReceiver } from '../support/receiver.js';
import { type CliResult, repositoryRoot, runHerald } from '../support/herald-cli.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

/** Paths that answer 500, or 410 Gone, until a test heals them. */
const failing = new Set(['/down', '/flaky']);
const gone = new Set(['/gone']);
const stack = useStack({
  receiver: (request) =>
    gone.has(request.path)
      ? { status: 410 }
      : failing.has(request.path)
        ? { status: 500 }
        : { status: 200, body: 'OK' },
});
const root = repositoryRoot;

function herald(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runHerald(args, { HERALD_URL: stack.herald.url, HERALD_API_KEY: stack.herald.adminKey, ...env });
}

describe('herald', () => {
  it('answers --help with every command, and a command’s --help with examples', async () => {
    const help = await herald(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'start',
      'api',
      'worker',
      'migrate',
      'bundle-workflows',
      'build-portal',
      'temporal',
      'trigger',
      'test',
      'webhooks',
      'event-types',
      'keys',
      'deliveries',
      'events',
      'recover',
      'listen',
    ])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const trigger = await herald(['trigger', '--help']);
    expect(trigger.code).toBe(0);
    expect(trigger.stdout).toMatch(/Examples:\n {2}herald trigger order\.created/);
    const webhooks = await herald(['webhooks', '--help']);
    for (const command of ['create', 'list', 'get', 'update', 'delete', 'rotate-secret', 'pause', 'resume', 'enable'])
      expect(webhooks.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const commands = ['get', 'update', 'delete', 'rotate-secret', 'pause', 'resume', 'enable'];
    const helps = await Promise.all(commands.map((command) => herald(['webhooks', command, '--help'])));
    helps.forEach((help, n) => {
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`Examples?:\n {2}herald webhooks (get|${commands[n]}) wh_`));
      expect(help.stdout).toMatch(/--json/);
    });
    expect((await herald(['webhooks', 'delete', '--help'])).stdout).toMatch(/cannot be undone/);
    const unknown = await herald(['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'no-such-command'/);
  }, 120_000);

  it('triggers an event and, with --wait, exits by how its deliveries went', async () => {
    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/up`, events: ['cli.good'] });
    const good = await herald(['trigger', 'cli.good', '--data', '{"orderId":"ord_cli"}', '--wait']);
    expect(good, good.stderr).toMatchObject({ code: 0 });
    expect(good.stdout).toMatch(/published evt_\S+ \(cli\.good\) to 1 webhook\(s\)\n {2}✓ wh_\S+ {2}delivered \(200\)/);
    const received = stack.receiver.requests.find((r) => r.path === '/up')!;
    expect(JSON.parse(received.rawBody)).toMatchObject({ type: 'cli.good', data: { orderId: 'ord_cli' } });

    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/down`, events: ['cli.bad'] });
    const bad = await herald(['trigger', 'cli.bad', '--wait', '--json']);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as { outcomes: Array<{ result: string; statusCode: number }> };
    expect(report.outcomes).toEqual([expect.objectContaining({ result: 'failed', statusCode: 500 })]);
  });

  it('schedules an event with --deliver-at and withdraws it with events cancel', async () => {
    await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/later`, events: ['cli.later'] });
    const scheduled = await herald(['trigger', 'cli.later', '--id', 'cli_later', '--deliver-at', '+1h']);
    expect(scheduled, scheduled.stderr).toMatchObject({ code: 0 });
    expect(scheduled.stdout).toMatch(
      /^published cli_later \(cli\.later\) to 1 webhook\(s\), scheduled for \S+ \(herald events cancel cli_later withdraws it\)/,
    );
    const at = await herald(['trigger', 'cli.later', '--deliver-at', '2999-01-01T00:00:00Z', '--json']);
    expect(at.code).toBe(1);
    expect(at.stderr).toMatch(/deliverAt: must be at most 30d ahead/);
    const badTime = await herald(['trigger', 'cli.later', '--deliver-at', 'tomorrow']);
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toMatch(/--deliver-at expects an ISO time with its offset/);

    const cancelled = await herald(['events', 'cancel', 'cli_later', '--json']);
    expect(cancelled, cancelled.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: 'cli_later', deliveries: [{ status: 'cancelled' }] });
    const now = await herald(['trigger', 'cli.later', '--id', 'cli_now']);
    expect(now.code).toBe(0);
    const refused = await herald(['events', 'cancel', 'cli_now']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cli_now was published for delivery at once, not scheduled/);
  });

  it('tests a webhook and exits 1 when a test fails', async () => {
    const up = await stack.herald.client.webhooks.create.mutate({ url: `${stack.receiver.url}/up`, events: ['cli.t'] });
    const down = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/down`,
      events: ['cli.t'],
    });
    const passing = await herald(['test', up.id]);
    expect(passing, passing.stderr).toMatchObject({ code: 0 });
    expect(passing.stdout).toMatch(/^1 of 1 test\(s\) delivered/);
    const failing = await herald(['test', down.id, '--json']);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout)).toMatchObject({ testsRun: 1, testsFailed: 1 });
  });

  it('says what to do when Herald cannot be reached or no key is set', async () => {
    const unreachable = await herald(['trigger', 'cli.x'], { HERALD_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach Herald at http:\/\/127\.0\.0\.1:9.*npm start/);
    const noKey = await herald(['trigger', 'cli.x'], { HERALD_API_KEY: '' });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/no API key: pass --api-key or set HERALD_API_KEY/);
  });

  // In a workspace of its own: once a workspace has a catalog, every type published to it is checked.
  it('publishes with an ordering key, skips a blocked delivery, and calls bad --data a usage error', async () => {
    const created = await herald([
      'webhooks',
      'create',
      '--url',
      `${stack.receiver.url}/down`,
      '--events',
      'cli.ordered',
      '--on-ordering-failure',
      'block',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const hook = JSON.parse(created.stdout) as { id: string; orderingOnFailure: string };
    expect(hook.orderingOnFailure).toBe('block');
    const first = await herald(['trigger', 'cli.ordered', '--data', '{"n":1}', '--ordering-key', 'k1', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ orderingKey: 'k1' });
    const second = await herald(['trigger', 'cli.ordered', '--data', '{"n":2}', '--ordering-key', 'k1', '--json']);
    const blocked = (JSON.parse(first.stdout) as { deliveries: Array<{ id: string }> }).deliveries[0]!.id;
    const waiting = (JSON.parse(second.stdout) as { deliveries: Array<{ id: string; status: string }> }).deliveries[0]!;
    expect(waiting.status).toBe('queued');
    await waitFor(async () => (await stack.herald.settled(blocked)).status === 'failed', { what: 'the first failed' });
    const skipped = await herald(['deliveries', 'skip', blocked]);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stdout).toMatch(`skipped ${blocked}: the later events of ordering key k1 go on`);
    await waitFor(async () => (await stack.herald.settled(waiting.id)).status === 'failed', {
      what: 'the second attempted after the skip',
    });
    const again = await herald(['deliveries', 'skip', blocked]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/holds nothing back/);

    const badData = await herald(['trigger', 'cli.ordered', '--data', '{not json']);
    expect(badData.code).toBe(2);
    expect(badData.stderr).toMatch(/--data is not valid JSON/);
  });

  it('uses the catalog example when no --data is given', async () => {
    const tenant = await workspaceWithKey(stack.herald, 'cli catalog');
    const as = { HERALD_API_KEY: tenant.key };
    await tenant.client.eventTypes.create.mutate({
      name: 'cli.example',
      schema: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } },
      example: { sku: 'SKU-1' },
    });
    const published = await herald(['trigger', 'cli.example', '--json'], as);
    expect(published.code, published.stderr).toBe(0);
    const event = JSON.parse(published.stdout) as { id: string };
    const stored = await stack.herald.db
      .selectFrom('events')
      .select('payload')
      .where('id', '=', event.id)
      .executeTakeFirstOrThrow();
    expect(stored.payload).toEqual({ sku: 'SKU-1' });

    // No example: a sample generated from the schema, which the publish then checks against it.
    await tenant.client.eventTypes.create.mutate({
      name: 'cli.generated',
      schema: {
        type: 'object',
        required: ['sku', 'quantity'],
        properties: { sku: { type: 'string', pattern: '^SKU-[0-9]{4}$' }, quantity: { type: 'integer', minimum: 1 } },
        additionalProperties: false,
      },
    });
    const generated = await herald(['trigger', 'cli.generated', '--json'], as);
    expect(generated.code, generated.stderr).toBe(0);
    const generatedId = (JSON.parse(generated.stdout) as { id: string }).id;
    const sample = await stack.herald.db
      .selectFrom('events')
      .select('payload')
      .where('id', '=', generatedId)
      .executeTakeFirstOrThrow();
    expect(sample.payload).toEqual({ sku: expect.stringMatching(/^SKU-[0-9]{4}$/), quantity: expect.any(Number) });
  });
});

/** `herald listen` in the background; its output so far, and where it listens once it says so. */
async function listening(args: string[]): Promise<{ process: ChildProcess; output: () => string; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', 'listen', '--port', '0', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor(() => /(?:Listening on |"listening":")(http:\/\/[\d.:]+)/.exec(output)?.[1], {
    what: `herald listen to start (${output})`,
  });
  return { process: child, output: () => output, url };
}

describe('herald listen', () => {
  it('verifies and prints deliveries in either signature format, as JSON lines with --json', async () => {
    const secret = 'whsec_bGlzdGVuLXRlc3Qtc2VjcmV0LTAwMDE=';
    const listen = await listening(['--secret', secret, '--json']);
    try {
      await stack.herald.client.webhooks.create.mutate({ url: listen.url, events: ['listen.both'], secret });
      await stack.herald.client.webhooks.create.mutate({
        url: `${listen.url}/bare`,
        events: ['listen.bare'],
        secret,
        signatureProfile: { schemes: [{ type: 'hmac-sha256', header: 'X-Shop-Signature', encoding: 'base64' }] },
      });
      await stack.herald.client.webhooks.create.mutate({
        url: `${listen.url}/wrong`,
        events: ['listen.wrong'],
        secret: 'whsec_d3Jvbmctc2VjcmV0LWZvci10aGUtdGVzdA==',
      });
      for (const type of ['listen.both', 'listen.bare', 'listen.wrong'])
        await stack.herald.client.events.publish.mutate({ type, data: { type } });
      const lines = await waitFor(
        () => {
          const parsed = listen
            .output()
            .split('\n')
            .filter((line) => line.startsWith('{"at"'))
            .map((line) => JSON.parse(line) as { eventType: string; verified: string[]; status: number });
          return ['listen.both', 'listen.bare', 'listen.wrong'].every((t) => parsed.some((p) => p.eventType === t))
            ? parsed
            : undefined;
        },
        { what: 'three deliveries printed' },
      );
      expect(lines.find((l) => l.eventType === 'listen.both')).toMatchObject({
        verified: ['standard-webhooks', 'x-webhook-signature'],
        status: 200,
      });
      expect(lines.find((l) => l.eventType === 'listen.bare')).toMatchObject({
        verified: ['x-shop-signature'],
        status: 200,
      });
      expect(lines.find((l) => l.eventType === 'listen.wrong')).toMatchObject({
        verified: [],
        status: 401,
        rejected: 'no signature verified with this secret',
      });
    } finally {
      listen.process.kill();
    }
  });

  it('forwards verified deliveries to an app and answers with its status; fails on purpose when told', async () => {
    const app = await startReceiver(() => ({ status: 202, body: 'accepted by the app' }));
    const forwarding = await listening(['--forward-to', `${app.url}/hooks`]);
    const failing = await listening(['--fail-rate', '1', '--status', '503']);
    try {
      const hook = await stack.herald.client.webhooks.create.mutate({ url: forwarding.url, events: ['listen.fwd'] });
      const published = await stack.herald.client.events.publish.mutate({ type: 'listen.fwd', data: { n: 1 } });
      expect(await stack.herald.settled(published.deliveries[0]!.id)).toMatchObject({
        status: 'succeeded',
        statusCode: 202,
      });
      const [forwarded] = await app.waitForRequests(1);
      expect(forwarded).toMatchObject({ path: '/hooks', method: 'POST' });
      expect(JSON.parse(forwarded!.rawBody)).toMatchObject({ type: 'listen.fwd', data: { n: 1 } });
      expect(forwarded!.headers['webhook-signature']).toMatch(/^v1,/);
      expect(forwarding.output()).toMatch(/listen\.fwd evt_\S+ attempt 1 {2}· not verified {2}forwarded → 202/);
      expect(hook.id).toMatch(/^wh_/);

      await stack.herald.client.webhooks.create.mutate({ url: failing.url, events: ['listen.fail'] });
      const retried = await stack.herald.client.events.publish.mutate({ type: 'listen.fail', data: {} });
      expect(await stack.herald.settled(retried.deliveries[0]!.id)).toMatchObject({ status: 'failed', attempts: 5 });
      expect(failing.output().match(/→ 503 on purpose/g)).toHaveLength(5);
    } finally {
      forwarding.process.kill();
      failing.process.kill();
      await app.close();
    }
  });
});

describe('herald temporal setup', () => {
  it('creates the namespace and registers the search attributes, and is safe to run again', async () => {
    const namespace = `herald-setup-${Date.now().toString(36)}`;
    const env = {
      TEMPORAL_ADDRESS: inject('infrastructure').temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      HERALD_URL: '',
      HERALD_API_KEY: '',
    };
    const refused = await herald(['temporal', 'setup'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`namespace ${namespace} does not exist .*--create-namespace`));

    const first = await herald(['temporal', 'setup', '--create-namespace', '--retention', '1'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(`namespace ${namespace}: created, keeping closed workflows 1 days`);
    expect(first.stdout).not.toMatch(/Error|at /);
    expect(first.stdout).toMatch(/search attributes: registered .*HeraldWebhookIds.*HeraldOutcome/);

    const again = await herald(['temporal', 'setup'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`namespace ${namespace}: exists\nsearch attributes: all of Herald’s are registered\n`);
  }, 120_000);
});

describe('herald deliveries and herald recover', () => {
  it('list, show and retry deliveries, and recover a webhook with its progress', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/flaky`,
      events: ['cli.recover'],
    });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const published = await stack.herald.client.events.publish.mutate({ type: 'cli.recover', data: { n } });
      ids.push(published.deliveries[0]!.id);
      expect((await stack.herald.settled(published.deliveries[0]!.id)).status).toBe('failed');
    }
    const list = await herald(['deliveries', 'list', '--webhook', hook.id, '--status', 'failed', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { data: Array<{ id: string }> }).data.map((d) => d.id).sort()).toEqual(
      [...ids].sort(),
    );
    const shown = await herald(['deliveries', 'get', ids[0]!]);
    expect(shown.stdout).toMatch(new RegExp(`^${ids[0]}  failed  cli\\.recover`));
    expect(shown.stdout.match(/^ {2}#\d +scheduled +failed +500/gm)).toHaveLength(5);

    failing.delete('/flaky');
    const retried = await herald(['deliveries', 'retry', ids[0]!]);
    expect(retried.code, retried.stderr).toBe(0);
    await waitFor(
      async () => (await stack.herald.client.deliveries.get.query({ id: ids[0]! })).status === 'succeeded' || undefined,
      { what: 'the retried delivery to succeed' },
    );

    const recovered = await herald(['recover', hook.id, '--since', '1h']);
    expect(recovered.code, `${recovered.stdout}${recovered.stderr}`).toBe(0);
    expect(recovered.stdout).toMatch(/recovery rec_\S+ completed: 2 succeeded, 0 failed of 2/);
    for (const id of ids.slice(1))
      expect((await stack.herald.client.deliveries.get.query({ id })).status).toBe('succeeded');
  });
});

describe('herald login', () => {
  it('keeps a checked URL and key in a profile only its owner can read, and the commands use it', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'herald-login-'));
    const bare = { HOME: home, HERALD_URL: '', HERALD_API_KEY: '' };
    try {
      const refused = await herald(
        ['login', '--herald-url', stack.herald.url, '--api-key', 'hk_live_not_a_real_key_000000'],
        bare,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/check --api-key or HERALD_API_KEY/);
      const profile = path.join(home, '.config', 'herald', 'profile.json');
      await expect(stat(profile)).rejects.toThrow();

      const login = await herald(['login', '--herald-url', stack.herald.url, '--api-key', stack.herald.adminKey], bare);
      expect(login.code, login.stderr).toBe(0);
      expect((await stat(profile)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(profile, 'utf8'))).toEqual({
        url: stack.herald.url,
        apiKey: stack.herald.adminKey,
      });

      const listed = await herald(['webhooks', 'list', '--json'], bare);
      expect(listed.code, listed.stderr).toBe(0);
      expect(Array.isArray(JSON.parse(listed.stdout))).toBe(true);

      expect((await herald(['logout'], bare)).code).toBe(0);
      await expect(stat(profile)).rejects.toThrow();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('herald event-types and herald keys', () => {
  it('manage the catalog and the API keys of a workspace', async () => {
    const tenant = await workspaceWithKey(stack.herald, 'cli keys and types');
    const as = { HERALD_API_KEY: tenant.key };
    const created = await herald(
      [
        'event-types',
        'create',
        'cli.typed',
        '--schema',
        '{"type":"object","required":["id"]}',
        '--example',
        '{"id":1}',
      ],
      as,
    );
    expect(created.code, created.stderr).toBe(0);
    const listed = await herald(['event-types', 'list'], as);
    expect(listed.stdout).toMatch(/^cli\.typed +active +schema/m);

    const key = await herald(['keys', 'create', 'ci job', '--permissions', 'events:publish', '--json'], {
      HERALD_API_KEY: stack.herald.adminKey,
    });
    expect(key.code, key.stderr).toBe(0);
    const { id, key: secret } = JSON.parse(key.stdout) as { id: string; key: string };
    const keys = await herald(['keys', 'list'], { HERALD_API_KEY: stack.herald.adminKey });
    expect(keys.stdout).toMatch(new RegExp(`^${id} +hk_live_…\\S+ +live +active +events:publish +ci job$`, 'm'));
    expect(keys.stdout).not.toContain(secret);
    expect((await herald(['keys', 'revoke', id], { HERALD_API_KEY: stack.herald.adminKey })).code).toBe(0);
    const refused = await herald(['trigger', 'cli.anything'], { HERALD_API_KEY: secret });
    expect(refused.code).toBe(1);
  });
});

describe('herald webhooks', () => {
  it('shows a webhook, changes it as update says, and deletes it for good', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/before`,
      events: ['cli.crud'],
    });
    const before = await herald(['webhooks', 'get', hook.id]);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toMatch(new RegExp(`^url +${stack.receiver.url}/before$`, 'm'));
    expect(before.stdout).toMatch(/^state +active$/m);

    const updated = await herald([
      'webhooks',
      'update',
      hook.id,
      '--url',
      `${stack.receiver.url}/after`,
      '--events',
      'cli.crud,cli.more',
      '--name',
      'renamed by the CLI',
      '--header',
      'X-Team: payments-secret-value',
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toMatch(`updated ${hook.id}`);
    const after = await herald(['webhooks', 'get', hook.id]);
    expect(after.stdout).toMatch(new RegExp(`^url +${stack.receiver.url}/after$`, 'm'));
    expect(after.stdout).toMatch(/^events +cli\.crud, cli\.more$/m);
    expect(after.stdout).toMatch(/^name +renamed by the CLI$/m);
    expect(after.stdout).toMatch(/^headers +X-Team$/im);
    expect(after.stdout).not.toContain('payments-secret-value');
    const json = await herald(['webhooks', 'get', hook.id, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: hook.id, url: `${stack.receiver.url}/after`, active: true });
    const listed = await herald(['webhooks', 'list']);
    expect(listed.stdout).toMatch(
      new RegExp(`^${hook.id} +active +${stack.receiver.url}/after +cli\\.crud,cli\\.more +renamed by the CLI$`, 'm'),
    );
    // Not a terminal: plain lines; FORCE_COLOR asks for colour anyway, and NO_COLOR wins over it.
    expect(listed.stdout).not.toContain('\u001b[');
    expect((await herald(['webhooks', 'get', hook.id], { FORCE_COLOR: '1' })).stdout).toContain('\u001b[32mactive');
    expect((await herald(['webhooks', 'get', hook.id], { FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).not.toContain(
      '\u001b[',
    );

    expect(after.stdout).toMatch(/^rate limit +none$/m);
    const limited = await herald(['webhooks', 'update', hook.id, '--rate-limit', '5/s,burst=10']);
    expect(limited.code, limited.stderr).toBe(0);
    expect((await herald(['webhooks', 'get', hook.id])).stdout).toMatch(/^rate limit +5\/s, burst 10$/m);
    expect((await herald(['webhooks', 'update', hook.id, '--rate-limit', 'none'])).code).toBe(0);
    expect((await herald(['webhooks', 'get', hook.id])).stdout).toMatch(/^rate limit +none$/m);
    const badRate = await herald(['webhooks', 'update', hook.id, '--rate-limit', 'fast']);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toMatch(/--rate-limit expects a rate such as 5\/s/);

    expect(after.stdout).toMatch(/^on ordering failure +continue$/m);
    const blocking = await herald(['webhooks', 'update', hook.id, '--on-ordering-failure', 'block']);
    expect(blocking.code, blocking.stderr).toBe(0);
    expect((await herald(['webhooks', 'get', hook.id])).stdout).toMatch(/^on ordering failure +block$/m);
    const badChoice = await herald(['webhooks', 'update', hook.id, '--on-ordering-failure', 'maybe']);
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toMatch(/--on-ordering-failure expects continue or block, got "maybe"/);

    const nothing = await herald(['webhooks', 'update', hook.id]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to update: pass at least one of --url.*herald webhooks update --help/);
    const badUrl = await herald(['webhooks', 'update', hook.id, '--url', 'not a url']);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/^herald webhooks update failed: .*url/);

    const deleted = await herald(['webhooks', 'delete', hook.id]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(`deleted ${hook.id}`);
    const missing = await herald(['webhooks', 'get', hook.id]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `herald webhooks get failed: Webhook ${hook.id} does not exist for this key: check the id (herald webhooks list shows what its workspace and mode can see)\n`,
    );
    expect((await herald(['webhooks', 'delete', hook.id])).code).toBe(1);
  }, 120_000);

  it('rotates the secret: prints the new one once, and deliveries verify with it', async () => {
    const previous = 'whsec_cm90YXRlLWZyb20tdGhpcy1zZWNyZXQtMDE=';
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/rotating`,
      events: ['cli.rotate'],
      secret: previous,
    });
    const rotated = await herald(['webhooks', 'rotate-secret', hook.id]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = new RegExp(`^new secret for ${hook.id}: (whsec_\\S+) {3}\\(shown only now: store it\\)$`, 'm').exec(
      rotated.stdout,
    )?.[1];
    expect(secret, rotated.stdout).toBeDefined();
    expect(secret).not.toBe(previous);
    const until = /^the previous secret stays valid until (\S+):/m.exec(rotated.stdout)?.[1];
    expect(Date.parse(until!)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const shown = await herald(['webhooks', 'get', hook.id]);
    expect(shown.stdout).toMatch(new RegExp(`^previous secret +valid until ${until}$`, 'm'));
    expect(shown.stdout).not.toContain(secret);

    const listen = await listening(['--secret', secret!, '--json']);
    try {
      expect((await herald(['webhooks', 'update', hook.id, '--url', listen.url])).code).toBe(0);
      const sent = await herald(['trigger', 'cli.rotate', '--data', '{"n":1}', '--wait']);
      expect(sent.code, `${sent.stdout}${sent.stderr}`).toBe(0);
      const line = await waitFor(
        () =>
          listen
            .output()
            .split('\n')
            .filter((l) => l.startsWith('{"at"'))
            .map((l) => JSON.parse(l) as { eventType: string; verified: string[]; status: number })
            .find((d) => d.eventType === 'cli.rotate'),
        { what: 'the delivery signed after the rotation' },
      );
      // During the grace period the body-only header keeps the previous secret; Standard Webhooks carries both.
      expect(line).toMatchObject({ verified: ['standard-webhooks'], status: 200 });
    } finally {
      listen.process.kill();
    }

    const now = await herald(['webhooks', 'rotate-secret', hook.id, '--grace-period', '0s', '--json']);
    expect(now.code, now.stderr).toBe(0);
    expect(JSON.parse(now.stdout)).toMatchObject({
      id: hook.id,
      secret: expect.stringMatching(/^whsec_/),
      secretRotation: null,
    });
    const tooLong = await herald(['webhooks', 'rotate-secret', hook.id, '--grace-period', '30d']);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(/gracePeriod: must be at most 7d/);
  }, 120_000);

  it('pause holds deliveries and resume releases them', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/held`,
      events: ['cli.pause'],
    });
    const paused = await herald(['webhooks', 'pause', hook.id]);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toBe(
      `paused ${hook.id}: deliveries are kept (parked) until herald webhooks resume ${hook.id}\n`,
    );
    expect((await herald(['webhooks', 'get', hook.id])).stdout).toMatch(/^state +paused$/m);

    const published = await stack.herald.client.events.publish.mutate({ type: 'cli.pause', data: { n: 1 } });
    const id = published.deliveries[0]!.id;
    await waitFor(
      async () => (await stack.herald.client.deliveries.get.query({ id })).status === 'parked' || undefined,
      {
        what: 'the delivery to be parked',
      },
    );
    expect(stack.receiver.requests.filter((r) => r.path === '/held')).toHaveLength(0);

    const resumed = await herald(['webhooks', 'resume', hook.id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(`resumed ${hook.id}: active; parked deliveries go out first`);
    expect(await stack.herald.settled(id)).toMatchObject({ status: 'succeeded', statusCode: 200 });
    expect(stack.receiver.requests.filter((r) => r.path === '/held')).toHaveLength(1);
  });

  it('enable sends again to a webhook Herald disabled, parked deliveries first', async () => {
    const hook = await stack.herald.client.webhooks.create.mutate({
      url: `${stack.receiver.url}/gone`,
      events: ['cli.gone'],
    });
    const first = await stack.herald.client.events.publish.mutate({ type: 'cli.gone', data: { n: 1 } });
    expect(await stack.herald.settled(first.deliveries[0]!.id)).toMatchObject({ status: 'failed', statusCode: 410 });
    await waitFor(
      async () =>
        (await stack.herald.client.webhooks.get.query({ id: hook.id })).disabledReason === 'gone' || undefined,
      { what: 'Herald to disable the webhook after 410 Gone' },
    );
    expect((await herald(['webhooks', 'get', hook.id])).stdout).toMatch(/^state +disabled \(gone\)$/m);
    const second = await stack.herald.client.events.publish.mutate({ type: 'cli.gone', data: { n: 2 } });
    const id = second.deliveries[0]!.id;
    await waitFor(
      async () => (await stack.herald.client.deliveries.get.query({ id })).status === 'parked' || undefined,
      {
        what: 'the delivery to a disabled webhook to be parked',
      },
    );

    gone.delete('/gone');
    const enabled = await herald(['webhooks', 'enable', hook.id, '--json']);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(JSON.parse(enabled.stdout)).toMatchObject({ id: hook.id, active: true, disabledReason: null });
    expect(await stack.herald.settled(id)).toMatchObject({ status: 'succeeded', statusCode: 200 });
    expect((await herald(['webhooks', 'get', hook.id])).stdout).toMatch(/^state +active$/m);
  });
});
