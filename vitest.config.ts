import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fault tests kill real processes and take minutes: `npm run test:faults`.
    exclude: ['test/faults/**', '**/node_modules/**'],
    // Temporal's native bridge does not work in worker threads; each test file gets its own process.
    pool: 'forks',
    // One Temporal dev server and one Postgres for the whole run; every file gets its own database and task queue.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
