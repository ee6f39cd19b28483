/**
 * `npm run build` bundles the lean runner into dist/lean/ (scripts/bundle-lean.mjs), and bin/run.js
 * starts `rtcc dashboard` from that bundle. In a real terminal (tmux, 80×24): a copy of bin/ and
 * dist/lean/ alone (no dist/lib/ to fall back to) draws the same first screen as the unbundled lean
 * runner, then shows a panic as it is raised and quits on q. Runs the built CLI (`npm run build` first).
 */
import {cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {hasTmux, Terminal} from './tmux.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const UNBUNDLED = new URL('../../dist/lib/output/lean-runner.js', import.meta.url).href

const panic = (site: string) => ({
  type: 'panic.triggered',
  severity: 'critical' as const,
  ownerId: 'own_demo',
  data: {ownerId: 'own_demo', site, latitude: 41.8819, longitude: -87.6278, message: 'robbery in progress', cameras: [{id: 'cam_front', name: 'Front door'}]},
})

/** The screen without what differs between two runs: clock times, the event lag and the server's port. */
const comparable = (screen: string, server: TestServer) =>
  screen
    .replaceAll(new URL(server.url).host, 'HOST')
    .replace(/\d\d:\d\d(:\d\d)?/g, 'hh:mm')
    .replace(/lag \d+ ms +/g, 'lag N ms ')

describe.skipIf(!hasTmux())('rtcc dashboard from the build bundle (tmux)', () => {
  const dirs: string[] = []
  const servers: TestServer[] = []
  const terminal = new Terminal(80, 24)
  let install: string

  beforeAll(() => {
    expect(existsSync(join(ROOT, 'dist/lean/lean-runner.js')), 'dist/lean/ is missing: run `npm run build`').toBe(true)
    // What the bundle needs at run time: bin/run.js, package.json (--version), and node_modules only
    // for what stays external (React devtools under DEV, ffmpeg for thumbnails).
    install = mkdtempSync(join(tmpdir(), 'rtcc-bundle-'))
    dirs.push(install)
    mkdirSync(join(install, 'dist'))
    cpSync(join(ROOT, 'bin'), join(install, 'bin'), {recursive: true})
    cpSync(join(ROOT, 'dist/lean'), join(install, 'dist/lean'), {recursive: true})
    cpSync(join(ROOT, 'package.json'), join(install, 'package.json'))
    symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'))
  })

  afterAll(async () => {
    terminal.close()
    await Promise.all(servers.map((s) => s.stop()))
    for (const dir of dirs) rmSync(dir, {recursive: true, force: true})
  })

  /** Runs `node ARGS` as the dashboard against a fresh server; the screen once live, and after a panic. */
  async function dashboard(args: string, site: string): Promise<{live: string; alert: string; server: TestServer}> {
    const dataDir = tempDir()
    const configDir = mkdtempSync(join(tmpdir(), 'rtcc-bundle-conf-'))
    dirs.push(dataDir, configDir)
    const server = await startTestServer({dataDir})
    servers.push(server)
    const investigator = await server.userClient('ana', 'investigator')
    const env = {RTCC_SERVER: server.url, RTCC_TOKEN: investigator.options.token!, RTCC_FINGERPRINT: server.fingerprint, RTCC_CONFIG_DIR: configDir, TERM: 'xterm-256color', NO_COLOR: '1'}
    terminal.run(`env -u CI -u DEV ${process.execPath} ${args}; echo "dashboard exited $?"; sleep 60`, env)
    const live = await terminal.waitFor((s) => s.includes('● live') && s.includes('ana (investigator)'), 'the dashboard to connect')
    server.server.ctx.events.publish(panic(site))
    const alert = await terminal.waitFor((s) => s.includes(`PANIC at ${site}`), 'the panic')
    terminal.keys('q')
    await terminal.waitFor((s) => s.includes('dashboard exited 0'), 'q to quit')
    return {live, alert, server}
  }

  it('draws the same screens as the unbundled lean runner, and follows events', async () => {
    const bundled = await dashboard(`${join(install, 'bin/run.js')} dashboard`, 'Corner Store')
    expect(bundled.live).toContain('rtcc dashboard')
    expect(bundled.live).toContain('Alerts')
    expect(bundled.live).toContain('Requests')
    expect(bundled.alert).toMatch(/● \d\d:\d\d:\d\d CRIT PANIC at Corner Store — robbery in progress/)

    const unbundled = await dashboard(`--input-type=module -e "(await import('${UNBUNDLED}')).runLean(['dashboard'])"`, 'Corner Store')
    expect(comparable(bundled.live, bundled.server)).toBe(comparable(unbundled.live, unbundled.server))
    expect(comparable(bundled.alert, bundled.server)).toBe(comparable(unbundled.alert, unbundled.server))
  })
})
