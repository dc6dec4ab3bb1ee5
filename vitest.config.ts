import { defineConfig } from 'vitest/config';

// Two groups, run one after the other: the unit tests in parallel, then the tests that
// boot the real guest (integration, browser end-to-end) one at a time — on a 2-core
// machine two Linux boots at once only make both slow and their timeouts fragile.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/integration/**', 'tests/e2e/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'guest',
          include: ['tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
