import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as workflows from '../../workflows/index.js';
import { describeFailure, type NamedFixture, readFixtures, replayFixtures, type ReplayFailure } from './fixtures.js';

/**
 * A deploy always meets workflows the previous code started: deliveries wait hours between attempts, recoveries
 * and the reconciler run for days. Every recorded history (`test/replay/histories/`, recorded from real runs by
 * `npm run test:record-histories`) must replay against the workflow code as it is now, through the same bundle
 * the workers of this test run load.
 */
const fixtures = await readFixtures();
let outcomes: Map<string, ReplayFailure | undefined>;

beforeAll(async () => {
  outcomes = await replayFixtures(
    { workflowBundle: { codePath: inject('infrastructure').workflowBundlePath } },
    fixtures,
  );
});

describe('recorded workflow histories', () => {
  it('cover every workflow type the worker runs', () => {
    const covered = new Set(fixtures.map((f) => f.workflowType));
    const missing = Object.keys(workflows).filter((type) => !covered.has(type));
    expect(
      missing,
      `no fixture in test/replay/histories/ for ${missing.join(', ')}: add a path to test/replay/record.histories.ts`,
    ).toEqual([]);
  });

  it.each(fixtures.map((fixture): [string, NamedFixture] => [fixture.name, fixture]))(
    '%s replays with the current workflow code',
    (_name, fixture) => {
      const error = outcomes.get(fixture.name);
      if (error) expect.fail(describeFailure(fixture, error));
    },
  );
});
