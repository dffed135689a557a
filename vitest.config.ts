import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code (pure logic; workflows/*.test.ts also run the workflows with mocked
// activities on a private dev server from the project's `temporal` binary, no shared service), and integration
// tests in test/ that talk to the real services (started by `npm test` / `npm run services -- up`), one file at a time.
export default defineConfig({
  test: {
    // Integration files share the real services: one file at a time.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{lib,common,adapters,activities,workflows,workers,serve,cli,scripts}/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
});
