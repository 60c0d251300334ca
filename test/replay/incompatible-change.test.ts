import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, type NamedFixture, readFixtures, replayFixtures, type ReplayFailure } from './fixtures.js';

/**
 * The replay check proves itself: a copy of the workflow code with a change that alters the commands
 * `fanOutEvent` issues must fail to replay the fan-out histories, and the same change behind `patched()` must not.
 * The copy is made at test time from `workflows/`, which this test never modifies.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = await readFixtures();
let work: string;

/** Fan-outs that ran a batch of first attempts: their history holds the local activity's marker. */
const ranFirstAttempts = (fixture: NamedFixture) =>
  fixture.workflowType === 'fanOutEvent' &&
  fixture.history.events.some((event) => event.eventType === 'EVENT_TYPE_MARKER_RECORDED');

/** Replaces `anchor`, which must occur exactly once, so a change to the workflow cannot silently void this test. */
function replaceOnce(source: string, anchor: string, replacement: string): string {
  const at = source.indexOf(anchor);
  if (at < 0 || source.indexOf(anchor, at + 1) >= 0)
    throw new Error(`workflows/fan-out-event.ts must contain "${anchor}" exactly once; update this test's change`);
  return source.slice(0, at) + replacement + source.slice(at + anchor.length);
}

/** A timer before each batch's first attempts: new code that issues StartTimer where old histories have a marker. */
function sleepBeforeFirstAttempts(guard: string | undefined) {
  return (source: string) =>
    `import { patched as changePatched, sleep as changeSleep } from '@temporalio/workflow';\n${replaceOnce(
      source,
      'const first = await firstAttempts(',
      `${guard ? `if (changePatched('${guard}')) ` : ''}await changeSleep(1);\n  const first = await firstAttempts(`,
    )}`;
}

/**
 * The workflows as a worker would bundle them, from a copy in a temporary folder whose `fan-out-event.ts` is
 * changed by `change`. Imports that leave `workflows/` point back into the repository.
 */
async function bundleVariant(name: string, change: (source: string) => string): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir);
  for (const file of await fs.readdir(path.join(root, 'workflows'))) {
    let source = await fs.readFile(path.join(root, 'workflows', file), 'utf8');
    source = source.replaceAll("from '../", `from '${root}`);
    if (file === 'fan-out-event.ts') source = change(source);
    await fs.writeFile(path.join(dir, file), source);
  }
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(dir, 'index.ts'),
    // The copy lives outside the repository: packages resolve from the repository's node_modules.
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? []), path.join(root, 'node_modules')] },
    }),
    logger: { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error },
  });
  return code;
}

let unguarded: Map<string, ReplayFailure | undefined>;
let guarded: Map<string, ReplayFailure | undefined>;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-replay-'));
  const [plain, patched] = await Promise.all([
    bundleVariant('unguarded', sleepBeforeFirstAttempts(undefined)),
    bundleVariant('guarded', sleepBeforeFirstAttempts('sleep-before-first-attempts')),
  ]);
  unguarded = await replayFixtures({ workflowBundle: { code: plain } }, fixtures);
  guarded = await replayFixtures({ workflowBundle: { code: patched } }, fixtures);
}, 120_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe('the replay check', () => {
  it('rejects a workflow change that issues a new command before the first attempts', () => {
    const affected = fixtures.filter(ranFirstAttempts);
    expect(affected.map((f) => f.name)).toContain('fan-out-success');
    for (const fixture of affected) {
      const error = unguarded.get(fixture.name);
      expect(error, `${fixture.file} should no longer replay`).toBeInstanceOf(DeterminismViolationError);
      const message = describeFailure(fixture, error!);
      expect(message).toContain(fixture.file);
      expect(message).toMatch(/Nondeterminism/i);
    }
    // Only they: the wide parent only starts children, the other workflows never reach fanOutEvent's batches.
    for (const fixture of fixtures.filter((f) => !ranFirstAttempts(f)))
      expect(unguarded.get(fixture.name), `${fixture.file} does not run the changed code`).toBeUndefined();
  });

  it("accepts the same change behind patched('…'), which old histories replay without", () => {
    for (const fixture of fixtures) {
      const error = guarded.get(fixture.name);
      if (error) expect.fail(describeFailure(fixture, error));
    }
  });
});
