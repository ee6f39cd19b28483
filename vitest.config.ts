import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // The PostgreSQL run writes its own totals beside the SQLite run's (see .ci/run).
    reporters: ['default', ['json', {outputFile: process.env.RTCC_TEST_BACKEND === 'postgres' ? 'test-results.postgres.json' : 'test-results.json'}]],
  },
})
