import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../server/http/create-server.js';
import { createLogger } from '../../server/logger.js';
import { createMetrics } from '../../server/metrics.js';
import type { OpenApiDocument } from '../support/openapi.js';
import { useStack } from '../support/stack.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
/** The CLIs stay offline: no usage reports, no update checks. */
const cliEnv = {
  ...process.env,
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
};

const stack = useStack();
let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'herald-openapi-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A GET with the headers given as they are, Host included (fetch does not let a caller set Host). */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function servedDocument(headers: Record<string, string> = {}, route = '/openapi.json') {
  const { status, body } = await get(`${stack.herald.url}${route}`, headers);
  expect(status).toBe(200);
  return JSON.parse(body) as OpenApiDocument;
}

describe('the served OpenAPI document', () => {
  it('passes Redocly lint (recommended rules) with no warning, and generates TypeScript types', async () => {
    const file = path.join(work, 'openapi.json');
    await writeFile(file, JSON.stringify(await servedDocument()));

    const lint = await run(
      bin('redocly'),
      ['lint', file, '--config', path.join(root, 'redocly.yaml'), '--format=json'],
      {
        cwd: root,
        env: cliEnv,
      },
    );
    const report = JSON.parse(lint.stdout) as { totals: Record<string, number>; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    // Its own summary says the same (the notice about Node.js 20 is about the CLI, not the document).
    const stylish = await run(bin('redocly'), ['lint', file, '--config', path.join(root, 'redocly.yaml')], {
      cwd: root,
      env: cliEnv,
    });
    expect(stylish.stdout + stylish.stderr).toMatch(/Your API description is valid/);
    expect(stylish.stdout + stylish.stderr).not.toMatch(/You have \d+ warnings?/);

    const types = path.join(work, 'herald-api.ts');
    const generated = await run(bin('openapi-typescript'), [file, '-o', types], { cwd: root, env: cliEnv });
    expect(generated.stderr).not.toMatch(/warn|error|⚠/i);
    const source = await readFile(types, 'utf8');
    for (const name of ['export interface paths', 'export interface webhooks', 'export interface components'])
      expect(source).toContain(name);
    expect(source).toContain('"X-Webhook-Signature"?: string');
    // The generated types compile on their own (run from the temporary folder, away from the project's @types).
    await run(bin('tsc'), ['--noEmit', '--strict', '--target', 'ES2022', '--lib', 'ES2022', types], { cwd: work });
  });

  it('names the server from the request: X-Forwarded-Proto and X-Forwarded-Host, else Host', async () => {
    const direct = await servedDocument();
    expect(direct.servers).toEqual([{ url: `${stack.herald.url}/v1` }]);

    const proxied = await servedDocument({
      host: 'herald:3000',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.com, proxy.internal',
    });
    expect(proxied.servers).toEqual([{ url: 'https://api.example.com/v1' }]);
    expect(proxied.paths).toEqual(direct.paths);

    expect((await servedDocument({ host: 'herald.internal:8080' })).servers).toEqual([
      { url: 'http://herald.internal:8080/v1' },
    ]);
  });

  it('is the document the reference page at /docs reads, with the same server', async () => {
    const page = await fetch(`${stack.herald.url}/docs`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/swagger/i);

    const headers = { host: 'herald:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'docs.example.com' };
    const docs = await servedDocument(headers, '/docs/json');
    expect(docs.servers).toEqual([{ url: 'https://docs.example.com/v1' }]);
    expect(docs).toEqual(await servedDocument(headers));
    expect(docs.webhooks?.event?.post).toBeDefined();
  });
});

describe('a server with a public URL (HERALD_PUBLIC_URL)', () => {
  it('names that URL whatever the request says, on /openapi.json and /docs', async () => {
    // Only the HTTP surface is under test: the document and the reference page need no database nor Temporal.
    const server = createServer({
      host: '127.0.0.1',
      port: 0,
      bodyLimitBytes: 262_144,
      publicUrl: 'https://herald.example.com/herald',
      services: {} as never,
      health: {},
      logger: createLogger('warn', 'herald-openapi-test'),
      metrics: createMetrics(),
    });
    const url = await server.start();
    try {
      const headers = { host: 'herald:3000', 'x-forwarded-host': 'elsewhere.example' };
      for (const route of ['/openapi.json', '/docs/json']) {
        const { status, body } = await get(`${url}${route}`, headers);
        expect(status, route).toBe(200);
        expect((JSON.parse(body) as OpenApiDocument).servers, route).toEqual([
          { url: 'https://herald.example.com/herald/v1' },
        ]);
      }
    } finally {
      await server.stop();
    }
  });
});
