/**
 * The `herald` command as a user drives it: spawned processes against the real stack, checked by their output
 * and exit codes.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { workspaceWithKey } from '../support/keys.js';
import { startReceiver } from '../support/receiver.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

/** Paths that answer 500 until a test heals them. */
const failing = new Set(['/down', '/flaky']);
const stack = useStack({
  receiver: (request) => (failing.has(request.path) ? { status: 500 } : { status: 200, body: 'OK' }),
});
const root = fileURLToPath(new URL('../../', import.meta.url));

function herald(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/main.ts', ...args],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          HERALD_URL: stack.herald.url,
          HERALD_API_KEY: stack.herald.adminKey,
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
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
      'recover',
      'listen',
    ])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const trigger = await herald(['trigger', '--help']);
    expect(trigger.code).toBe(0);
    expect(trigger.stdout).toMatch(/Examples:\n {2}herald trigger order\.created/);
    const unknown = await herald(['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'no-such-command'/);
  });

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
    expect(shown.stdout.match(/^ {2}#\d scheduled +failed +500/gm)).toHaveLength(5);

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
    expect(listed.stdout).toMatch(/^cli\.typed +active {2}schema/m);

    const key = await herald(['keys', 'create', 'ci job', '--permissions', 'events:publish', '--json'], {
      HERALD_API_KEY: stack.herald.adminKey,
    });
    expect(key.code, key.stderr).toBe(0);
    const { id, key: secret } = JSON.parse(key.stdout) as { id: string; key: string };
    const keys = await herald(['keys', 'list'], { HERALD_API_KEY: stack.herald.adminKey });
    expect(keys.stdout).toMatch(
      new RegExp(`^${id} {2}hk_live_…\\S+ {2}live {2}active +events:publish {2}ci job$`, 'm'),
    );
    expect(keys.stdout).not.toContain(secret);
    expect((await herald(['keys', 'revoke', id], { HERALD_API_KEY: stack.herald.adminKey })).code).toBe(0);
    const refused = await herald(['trigger', 'cli.anything'], { HERALD_API_KEY: secret });
    expect(refused.code).toBe(1);
  });
});
