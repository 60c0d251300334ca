import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:record-histories`: runs real workflows on the test stack and saves their histories as the replay
 * fixtures (`record.histories.ts`). Never part of `npm test`, which only replays them.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../', import.meta.url)),
    include: ['test/replay/record.histories.ts'],
    // Temporal's native bridge does not work in worker threads.
    pool: 'forks',
    // The same Temporal dev server (with millisecond timers) and Postgres template as the test run.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
