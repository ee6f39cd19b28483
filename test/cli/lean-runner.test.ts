/**
 * The read commands bin/run.js runs without oclif: the lean runner leaves every command line it does
 * not fully understand to oclif (so usage errors stay oclif's), and its flags are the oclif commands'
 * flags (one spec serves both). The commands' behaviour end to end is covered by the CLI tests, which
 * spawn bin/run.js and so take the lean path.
 */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import RegistryNear from '../../src/commands/registry/near.js'
import Dashboard from '../../src/commands/dashboard.js'
import {leanCommandId, runLean} from '../../src/lib/output/lean-runner.js'
import {dashboardCommand, registryNearCommand} from '../../src/lib/output/read-commands.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

describe('lean runner', () => {
  it('knows only the hot read commands', () => {
    expect(leanCommandId(['whoami'])).toBe('whoami')
    expect(leanCommandId(['registry', 'near', '--at', '1,2'])).toBe('registry near')
    expect(leanCommandId(['dashboard'])).toBe('dashboard')
    expect(leanCommandId(['registry'])).toBeUndefined()
    expect(leanCommandId(['registry', 'list'])).toBeUndefined()
    expect(leanCommandId(['user', 'list'])).toBeUndefined()
  })

  it.each([
    [['registry', 'near', '--help']],
    [['registry', 'near', '--at', '41.8,-87.6']], // --radius missing
    [['registry', 'near', '--at', '41.8,-87.6', '--radius', '1km', '--limit', '0']], // below min
    [['registry', 'near', '--at', '41.8,-87.6', '--radius', '1km', '-n', 'ten']],
    [['registry', 'near', '--at', '41.8,-87.6', '--radius', '1km', '--colour']], // unknown flag
    [['whoami', 'extra']],
    [['dashboard', '--json']], // the dashboard takes no --json
  ])('hands %j to oclif', async (argv) => {
    expect(await runLean(argv)).toBe(false)
  })

  it('takes the same flags as the oclif commands', () => {
    for (const [command, spec] of [
      [RegistryNear, registryNearCommand],
      [Dashboard, dashboardCommand],
    ] as const) {
      for (const [name, flag] of Object.entries(spec.flags)) {
        const oclif = command.flags[name as keyof typeof command.flags] as {type: string; char?: string; required?: boolean; multiple?: boolean; default?: unknown; description?: string}
        expect(oclif, name).toMatchObject({type: 'option', description: flag.description})
        expect(oclif.default, name).toEqual(flag.default)
        expect(oclif.char, name).toBe(flag.char)
        expect(Boolean(oclif.required), name).toBe(Boolean(flag.required))
        expect(Boolean(oclif.multiple), name).toBe(Boolean(flag.multiple))
      }
    }
  })

  it('leaves oclif to report a bad flag, as before (exit 2, its message)', () => {
    const result = spawnSync(process.execPath, [BIN, 'registry', 'near', '--at', '41.8,-87.6', '--radius', '1km', '--limit', '0'], {encoding: 'utf8', env: {...process.env, CI: '1'}})
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('Expected an integer greater than or equal to 1')
  })
})
