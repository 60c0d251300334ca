/**
 * The README's five-line session, run as written against a test stack. Two substitutions, and only these: the
 * `npm start` line (the test stack is Herald, started with the same admin key) and port 4000 (a free one, so a
 * busy machine cannot fail the test); HERALD_URL points the commands at the test stack.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../server/dev-stack/ports.js';
import { useStack } from '../support/stack.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const session = /<!-- try-it: run by test\/e2e\/readme-session\.test\.ts -->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
const adminKey = /HERALD_API_KEY=(hk_live_\S+)/.exec(session ?? '')?.[1];

const stack = useStack({ env: { HERALD_ADMIN_KEY: adminKey ?? 'hk_live_missing_from_readme' } });

describe("the README's session", () => {
  it('starts a receiver, registers it, triggers an event and sees it verified and delivered', async () => {
    expect(session, 'the README has the try-it block').toBeDefined();
    const lines = session!.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/npm start/);
    const port = String(await freePort());
    const script = [lines[0], ...lines.slice(2).map((line) => line.replaceAll('4000', port))]
      .join('\n')
      // Ends the backgrounded receiver with the script, whatever happened.
      .concat('\nstatus=$?; kill %1 2>/dev/null; exit $status\n');

    const run = spawn('bash', ['-c', `set -m\n${script}`], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HERALD_URL: stack.herald.url },
    });
    let output = '';
    run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));

    expect(code, output).toBe(0);
    expect(output).toMatch(/Listening on http:\/\/127\.0\.0\.1:\d+, verifying signatures/);
    expect(output).toMatch(/created wh_\S+ → http:\/\/127\.0\.0\.1:\d+ \(order\.created\)/);
    expect(output).toMatch(
      /order\.created evt_\S+ attempt 1 {2}✓ verified \(standard-webhooks, x-webhook-signature\) {2}→ 200/,
    );
    expect(output).toMatch(/✓ wh_\S+ {2}delivered \(200\) after 1 attempt\(s\)/);
  }, 90_000);
});
