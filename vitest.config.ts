import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['localfire-source'] },
  ssr: { resolve: { conditions: ['localfire-source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
