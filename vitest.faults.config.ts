import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: real processes killed for real (Herald, Postgres, the Temporal server). Each file starts
 * the servers it kills; the run shares only the Temporal CLI binary and the workflow bundle.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    pool: 'forks',
    // The files kill and start whole stacks; one at a time keeps their timing honest on a small machine.
    fileParallelism: false,
    globalSetup: ['test/faults/setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
