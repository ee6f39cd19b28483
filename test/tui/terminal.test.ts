/**
 * `rtcc dashboard` in a real terminal (tmux, 80×24): a panic alert appears when one is raised, the
 * status bar says loudly when the server goes away, and after the server restarts the dashboard
 * replays what it missed (Last-Event-ID) from the server's persisted buffer — then a freshly started
 * dashboard shows both alerts from history. Runs the built CLI (`npm run build` first).
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {InProcessEventHub} from '../../src/lib/server/events/hub.js'
import {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {openDatabase} from '../../src/lib/store/db.js'
import {startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {hasTmux, Terminal} from './tmux.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** What `rtcc panic trigger` publishes (issue 5); until that command exists the test raises it on the hub. */
const panic = (site: string, message: string) => ({
  type: 'panic.triggered',
  severity: 'critical' as const,
  ownerId: 'own_demo',
  data: {ownerId: 'own_demo', site, latitude: 41.8819, longitude: -87.6278, message, cameras: [{id: 'cam_front', name: 'Front door'}]},
})

const count = (screen: string, text: string) => screen.split('\n').filter((l) => l.includes(text)).length

describe.skipIf(!hasTmux())('rtcc dashboard in a real terminal (tmux)', () => {
  let server: TestServer
  let dataDir: string
  let configDir: string
  let env: Record<string, string>
  const terminal = new Terminal(80, 24)
  const command = `env -u CI ${process.execPath} ${BIN} dashboard; echo "dashboard exited $?"; sleep 60`

  beforeAll(async () => {
    dataDir = tempDir()
    configDir = mkdtempSync(join(tmpdir(), 'rtcc-dash-conf-'))
    server = await startTestServer({dataDir})
    const investigator = await server.userClient('ana', 'investigator')
    env = {RTCC_SERVER: server.url, RTCC_TOKEN: investigator.options.token!, RTCC_FINGERPRINT: server.fingerprint, RTCC_CONFIG_DIR: configDir, TERM: 'xterm-256color', NO_COLOR: '1'}
  })

  afterAll(async () => {
    terminal.close()
    await server?.stop()
    rmSync(dataDir, {recursive: true, force: true})
    rmSync(configDir, {recursive: true, force: true})
  })

  it('shows a panic as it is raised, survives a server restart and replays the alert it missed', async () => {
    terminal.run(command, env)
    await terminal.waitFor((s) => s.includes('● live'), 'the dashboard to connect')

    server.server.ctx.events.publish(panic("Marisol's Corner Store", 'robbery in progress'))
    let screen = await terminal.waitFor((s) => s.includes("PANIC at Marisol's Corner Store"), 'the first panic')
    expect(screen).toMatch(/● \d\d:\d\d:\d\d CRIT PANIC at Marisol's Corner Store — robbery in progress/)
    expect(screen).toContain('Alerts  1 new')

    const port = Number(new URL(server.url).port)
    // The server's close() waits for open SSE responses to end, and a dashboard never ends its own:
    // drop the connections as a crash or a killed server would (reported to the server's owner).
    const stopping = server.stop()
    server.server.app.server.closeAllConnections()
    await stopping
    await terminal.waitFor((s) => s.includes('SERVER LOST'), 'the dashboard to say the server is gone')

    // Raised while the dashboard cannot hear: it exists only in the server's persisted event buffer.
    const db = openDatabase(join(dataDir, 'rtcc.db'))
    const store = new SqliteStore(db)
    await new InProcessEventHub(store).publish(panic('Bakery on Halsted', 'break-in'))
    await store.close()

    server = await startTestServer({dataDir, port})
    screen = await terminal.waitFor((s) => s.includes('PANIC at Bakery on Halsted') && s.includes('● live'), 'the missed panic after reconnecting', 30_000)
    expect(screen).toContain('Alerts  2 new')
    expect(count(screen, "PANIC at Marisol's Corner Store")).toBe(1)
    expect(screen.indexOf('Bakery on Halsted')).toBeLessThan(screen.indexOf("Marisol's Corner Store"))

    terminal.keys('q')
    await terminal.waitFor((s) => s.includes('dashboard exited 0'), 'q to quit')

    terminal.run(command, env)
    screen = await terminal.waitFor((s) => s.includes('PANIC at Bakery on Halsted') && s.includes("PANIC at Marisol's Corner Store"), 'a new dashboard to show both from history')
    expect(count(screen, 'PANIC at')).toBe(2)
  })
})
