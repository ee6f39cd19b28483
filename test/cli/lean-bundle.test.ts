/**
 * Which lean runner bin/run.js loads: the build's bundle (dist/lean/, scripts/bundle-lean.mjs) when
 * it is there and at least as new as tsc's output, otherwise the unbundled dist/lib/ (a tsc-only
 * build, or tsc run again after `npm run build`), and always the unbundled one under DEV=true (Ink's
 * devtools switch). Each case runs `rtcc whoami --json` from a copy of bin/ beside a chosen dist/: a
 * lean runner that works answers with the usage error, a planted broken one fails. Needs `npm run build`.
 */
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BROKEN = "throw new Error('the planted lean runner ran')\n"

describe('bin/run.js picks the lean runner', () => {
  const dirs: string[] = []

  beforeAll(() => {
    expect(existsSync(join(ROOT, 'dist/lean/lean-runner.js')), 'dist/lean/ is missing: run `npm run build`').toBe(true)
  })

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, {recursive: true, force: true})
  })

  /** An install with bin/, package.json and node_modules, and the dist/ parts asked for. */
  function install(parts: {lib?: 'built' | 'broken'; lean?: 'built' | 'broken'; leanOlder?: boolean}): string {
    const dir = mkdtempSync(join(tmpdir(), 'rtcc-lean-'))
    dirs.push(dir)
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), {recursive: true})
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    mkdirSync(join(dir, 'dist'))
    // The build's own dist/lib/, older than anything copied or written here.
    if (parts.lib === 'built') symlinkSync(join(ROOT, 'dist/lib'), join(dir, 'dist/lib'))
    if (parts.lib === 'broken') {
      mkdirSync(join(dir, 'dist/lib/output'), {recursive: true})
      writeFileSync(join(dir, 'dist/lib/output/lean-runner.js'), BROKEN)
    }
    if (parts.lean === 'built') cpSync(join(ROOT, 'dist/lean'), join(dir, 'dist/lean'), {recursive: true})
    if (parts.lean === 'broken') {
      mkdirSync(join(dir, 'dist/lean'))
      writeFileSync(join(dir, 'dist/lean/lean-runner.js'), BROKEN)
    }
    if (parts.leanOlder) utimesSync(join(dir, 'dist/lean/lean-runner.js'), 0, 0)
    return dir
  }

  const whoami = (dir: string, env: Record<string, string> = {}) => {
    const {CI: _ci, DEV: _dev, ...inherited} = process.env
    const configDir = mkdtempSync(join(tmpdir(), 'rtcc-lean-conf-'))
    dirs.push(configDir)
    return spawnSync(process.execPath, [join(dir, 'bin/run.js'), 'whoami', '--json'], {encoding: 'utf8', env: {...inherited, RTCC_CONFIG_DIR: configDir, ...env}})
  }

  const answered = (result: ReturnType<typeof whoami>) => {
    expect(result.stderr).not.toContain('planted')
    expect(result.status, result.stderr).toBe(2)
    expect(JSON.parse(result.stdout)).toMatchObject({error: {code: 'usage', message: 'no server configured for profile "default"'}})
  }

  it('runs the bundle alone', () => answered(whoami(install({lean: 'built', lib: 'broken'}))))

  it('takes the bundle over an older dist/lib/', () => {
    const result = whoami(install({lean: 'broken', lib: 'built'}))
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('the planted lean runner ran')
  })

  it('falls back to dist/lib/ without a bundle', () => answered(whoami(install({lib: 'built'}))))

  it('falls back to dist/lib/ when the bundle is older', () => answered(whoami(install({lean: 'broken', leanOlder: true, lib: 'built'}))))

  it('runs dist/lib/ under DEV=true', () => answered(whoami(install({lean: 'broken', lib: 'built'}), {DEV: 'true'})))
})
