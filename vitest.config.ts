import {defineConfig} from 'vitest/config'

// Files that hold a machine-wide resource (the WS-Discovery multicast port 3702, tmux) or assert on
// timing (reconnect back-off, lockout windows, event delivery, the scale run) run one at a time after
// the rest, which runs in two workers: most test time is spent waiting on servers and child processes.
// Simulated cameras bind fixed ports on their own loopback addresses, so each file's range (host + count)
// must not overlap another's.
const SERIAL = [
  'test/onvif/*.test.ts',
  'test/cluster/*.test.ts',
  'test/core/reconnect.test.ts',
  'test/server/events.test.ts',
  'test/accounts/lockout.test.ts',
  'test/registry-cli/scale.test.ts',
  'test/tui/terminal.test.ts',
]
const ALL = ['test/**/*.test.ts', 'test/**/*.test.tsx']

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // The PostgreSQL run writes its own totals beside the SQLite run's (see .ci/run).
    reporters: ['default', ['json', {outputFile: process.env.RTCC_TEST_BACKEND === 'postgres' ? 'test-results.postgres.json' : 'test-results.json'}]],
    projects: [
      {extends: true, test: {name: 'parallel', include: ALL, exclude: SERIAL, maxWorkers: 2, sequence: {groupOrder: 0}}},
      {extends: true, test: {name: 'serial', include: SERIAL, maxWorkers: 1, sequence: {groupOrder: 1}}},
    ],
  },
})
