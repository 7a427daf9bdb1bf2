import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'contracts/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI reads the JSON report (.ci/run prints `N passed, N failed` from it).
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    env: { HARDHAT_CONFIG: new URL('./contracts/hardhat.config.cjs', import.meta.url).pathname },
  },
});
