import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['localfire-source'] },
  ssr: { resolve: { conditions: ['localfire-source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    pool: 'forks',
    // One Firestore emulator for the whole run (chat rules); tests isolate by project id.
    globalSetup: ['test-support/emulator-global-setup.ts'],
    // CI also writes a JSON report, from which .ci/run prints its closing count line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
