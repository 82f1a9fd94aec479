import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    globalSetup: ['packages/db/src/testing/global-setup.ts', 'apps/console/scripts/build-if-stale.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // A worker keeps its loaded modules from one test file to the next: importing the packages again
    // for every file cost 186 s of the suite's 946 (773 s without it). Every file opens its own database
    // (createTestDatabase), and no test mocks modules or changes the environment.
    isolate: false,
  },
});
