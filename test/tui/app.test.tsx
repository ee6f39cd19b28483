import {render} from 'ink-testing-library'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import {apiDashboardSource, type DashboardSource} from '../../src/lib/client/dashboard.js'
import type {SimulatorHandle} from '../../src/lib/onvif/simulator/index.js'
import {startDemoCameras} from '../../src/lib/demo/cameras.js'
import {Narrator} from '../../src/lib/demo/narrator.js'
import {App} from '../../src/tui/app.js'
import {StatusBar} from '../../src/tui/components/status-bar.js'
import {localTime} from '../../src/tui/render/format.js'
import {PLAIN_THEME, ThemeContext} from '../../src/tui/theme.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {KEY, lastFrame, press, waitForFrame} from './helpers.js'

const SIZE = {columns: 80, rows: 24}
const STORE = {latitude: 41.8819, longitude: -87.6278}

let server: TestServer
let investigator: ApiClient
let source: DashboardSource
let cameras: SimulatorHandle
let ownerCameraId: string

beforeAll(async () => {
  server = await startTestServer()
  investigator = await server.userClient('ana', 'investigator')
  cameras = await startDemoCameras(1, 'Front Door')
  // Frames straight from a simulated camera's HTTP snapshot: what is under test is decoding and drawing.
  source = {...apiDashboardSource(investigator), snapshot: async () => Buffer.from(await (await fetch(cameras.cameras[0]!.snapshotUrl)).arrayBuffer())}
  // An owner with a camera at the store and one a block away, for the map around a panic.
  const profile = {displayName: 'Marisol Vega', organisation: "Marisol's Corner Store", email: 'marisol@example.com'}
  await server.anonymous().post('/v1/owners/signup', {username: 'marisol', password: 'Corner-Store-Passphrase-7', profile})
  const owner = await server.login('marisol', 'Corner-Store-Passphrase-7')
  const camera = (name: string, latitude: number, longitude: number) => ({
    name, latitude, longitude, address: null, locationType: 'business', make: null, model: null, viewDescription: null,
    viewDirection: 180, fieldOfView: 90, records: true, retentionDays: 30, liveCapable: true, tags: [],
  })
  ownerCameraId = (await owner.post<{id: string}>('/v1/cameras', camera('Front door', STORE.latitude + 0.0001, STORE.longitude))).id
  await owner.post('/v1/cameras', camera('Alley', STORE.latitude - 0.0015, STORE.longitude + 0.002))
})

afterAll(async () => {
  await cameras?.stop()
  await server?.stop()
})

const publish = (type: string, data: Record<string, unknown>, severity?: 'info' | 'warning' | 'critical') => server.server.ctx.events.publish({type, data, severity})

function mount(lastEventId = Number.MAX_SAFE_INTEGER) {
  const app = render(<App source={source} size={SIZE} theme={PLAIN_THEME} lastEventId={lastEventId} />)
  return app
}

describe('rtcc dashboard (rendered)', () => {
  it('shows an alert published on the server at the top, marked new, and acknowledges it with a', async () => {
    const app = mount()
    try {
      await waitForFrame(app, (f) => f.includes('● live'), 'the live connection')
      publish('request.declined', {requestId: 'req_1', caseId: 'CASE-ACK', reason: 'not recording that night'}, 'warning')
      let frame = await waitForFrame(app, (f) => f.includes('CASE-ACK'), 'the declined alert')
      const row = () => lastFrame(app).split('\n').find((l) => l.includes('CASE-ACK'))!
      expect(row()).toMatch(/● \d\d:\d\d:\d\d WARN Request declined: case CASE-ACK — request req_1 — not record/)
      expect(frame).toContain('Alerts  1 new')
      await press(app.stdin, 'a')
      frame = await waitForFrame(app, (f) => f.includes('Alerts  0 new'), 'the acknowledgement')
      expect(row()).not.toContain('●')
    } finally {
      app.unmount()
    }
  })

  it('fits 80×24: no line wider than 80 columns, at most 23 lines, all three panes and the key hints', async () => {
    const app = mount()
    try {
      const frame = await waitForFrame(app, (f) => f.includes('● live'), 'the live connection')
      const lines = frame.split('\n')
      expect(lines.length).toBeLessThanOrEqual(23)
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80)
      expect(frame).toMatch(/Alerts[\s\S]*Streams[\s\S]*Requests/)
      expect(lines.at(-1)).toContain('? help')
    } finally {
      app.unmount()
    }
  })

  it('opens a panic with Enter: a map of the registered cameras around it, the shared camera marked', async () => {
    const app = mount()
    try {
      await waitForFrame(app, (f) => f.includes('● live'), 'the live connection')
      publish('panic.triggered', {ownerId: 'own_x', site: "Marisol's Corner Store", ...STORE, message: 'robbery in progress', cameras: [{id: ownerCameraId, name: 'Front door'}]}, 'critical')
      await waitForFrame(app, (f) => f.includes("PANIC at Marisol's Corner Store"), 'the panic alert')
      await press(app.stdin, KEY.enter)
      const frame = await waitForFrame(app, (f) => f.includes('2 registered within 500 m'), 'the map with nearby cameras')
      expect(frame).toContain('CRIT panic.triggered')
      expect(frame).toContain('✖')
      expect(frame).toContain('◆')
      expect(frame).toContain('•')
      expect(frame).toMatch(/sharing\s+Front door/)
      await press(app.stdin, KEY.escape)
      await waitForFrame(app, (f) => f.includes('Streams'), 'the lists again')
    } finally {
      app.unmount()
    }
  })

  it("a panic raised before the dashboard connected shows when the owner raised it, not just that it came earlier", async () => {
    const startedAt = new Date(Date.now() - 7 * 60_000).toISOString()
    const raised = await publish('panic.triggered', {panicId: 'alr_replayed', ownerId: 'own_x', site: 'Replay Deli', ...STORE, startedAt, cameras: []}, 'critical')
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const app = mount(raised.id - 1)
    try {
      await waitForFrame(app, (f) => f.includes('PANIC at Replay Deli'), 'the replayed panic')
      await press(app.stdin, KEY.enter)
      const frame = await waitForFrame(app, (f) => f.includes('CRIT panic.triggered'), 'the panic details')
      // The fields column, beside the map.
      const lines = frame.split('\n')
      const column = lines.find((l) => l.includes('CRIT'))!.indexOf('CRIT')
      const fields = lines.map((l) => l.slice(column).replace(/║/g, '').trim()).join(' ')
      expect(fields).toContain(`time      ${localTime(startedAt)}`)
      expect(fields).toContain('raised 7m ago, before this dashboard connected')
    } finally {
      app.unmount()
    }
  })

  it('filters with / and clears the filter with Esc', async () => {
    const app = mount()
    try {
      await waitForFrame(app, (f) => f.includes('● live'), 'the live connection')
      publish('camera.offline', {cameraId: 'cam_a', cameraName: 'Loading dock'}, 'warning')
      publish('request.expired', {requestId: 'req_2', caseId: 'CASE-EXP'}, 'warning')
      await waitForFrame(app, (f) => f.includes('Loading dock') && f.includes('CASE-EXP'), 'both alerts')
      await press(app.stdin, '/', 'd', 'o', 'c', 'k', KEY.enter)
      const frame = await waitForFrame(app, (f) => f.includes('matching "dock"'), 'the filtered list')
      expect(frame).toContain('Loading dock')
      expect(frame).not.toContain('CASE-EXP')
      await press(app.stdin, KEY.escape)
      await waitForFrame(app, (f) => f.includes('CASE-EXP'), 'the unfiltered list')
    } finally {
      app.unmount()
    }
  })

  it('counts a canvass by case in Requests as its requests move, and lists live streams', async () => {
    const app = mount()
    try {
      await waitForFrame(app, (f) => f.includes('● live'), 'the live connection')
      for (const id of ['req_a', 'req_b', 'req_c']) publish('request.issued', {requestId: id, caseId: 'CPD-77'})
      publish('request.fulfilled', {requestId: 'req_a', caseId: 'CPD-77'})
      publish('stream.started', {cameraId: 'cam_s', cameraName: 'Lobby', site: 'Bakery', policyMode: 'approval', viewers: 1, bitrate: 900_000, fps: 10})
      const frame = await waitForFrame(app, (f) => f.includes('CPD-77') && f.includes('Lobby'), 'the case and the stream')
      expect(frame).toMatch(/CPD-77\s+1\/3 fulfilled · 2 open/)
      expect(frame).toMatch(/Lobby · Bakery\s+approval/)
      expect(frame).toContain('Streams  1 live')
    } finally {
      app.unmount()
    }
  })

  it('draws the live picture of a stream in half blocks, in 24-bit colour where the terminal has it', async () => {
    const app = render(<App source={source} size={SIZE} theme={{color: true, pixels: 'truecolor', unicode: true}} lastEventId={Number.MAX_SAFE_INTEGER} />)
    try {
      await waitForFrame(app, (f) => f.includes('● live'), 'the live connection')
      publish('stream.started', {cameraId: ownerCameraId, cameraName: 'Front door', site: 'Corner Store', policyMode: 'emergency', viewers: 1})
      await waitForFrame(app, (f) => f.includes('Streams  1 live'), 'the stream')
      await press(app.stdin, KEY.tab, KEY.enter)
      const frame = await waitForFrame(app, (f) => f.includes('live picture'), 'a frame from the camera')
      const picture = frame.split('\n').filter((l) => l.includes('▀'))
      expect(picture.length).toBeGreaterThanOrEqual(8)
      expect(frame).toMatch(new RegExp(String.raw`\u001B\[38;2;\d+;\d+;\d+m`))
      expect(frame).toMatch(/allowed\s+owner policy: emergency/)
    } finally {
      app.unmount()
    }
  })

  it('shows help with ?', async () => {
    const app = mount()
    try {
      await waitForFrame(app, (f) => f.includes('● live'), 'the live connection')
      await press(app.stdin, '?')
      const frame = await waitForFrame(app, (f) => f.includes('Keys'), 'the help')
      expect(frame).toContain('acknowledge the selected alert')
    } finally {
      app.unmount()
    }
  })

  it('narrates the demo inside the dashboard, step by step, and says when the scenario is over', async () => {
    const narration = new Narrator()
    narration.started()
    const app = render(<App source={source} size={SIZE} theme={PLAIN_THEME} lastEventId={Number.MAX_SAFE_INTEGER} narration={narration} />)
    try {
      await waitForFrame(app, (f) => f.includes('playing a scenario of 10 steps'), 'the opening line')
      const step = {step: 'canvass issued', outcome: 'done' as const, detail: 'case CPD-1 to 2 owners within 300 m', at: new Date().toISOString()}
      narration.step(step, 1)
      let frame = await waitForFrame(app, (f) => f.includes('demo 1/10 ✓ canvass issued'), 'the first step')
      expect(frame.split('\n')[1]).toContain('case CPD-1 to 2 owners')
      narration.over([step], false)
      frame = await waitForFrame(app, (f) => f.includes('scenario over'), 'the end of the scenario')
      const lines = frame.split('\n')
      expect(lines[1]).toMatch(/^demo scenario over: 1 of 10 steps done\. .*q quits/)
      expect(lines.length).toBeLessThanOrEqual(23)
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80)
    } finally {
      app.unmount()
    }
  })
})

describe('status bar', () => {
  it('at 80 columns cuts who and where at a field boundary with an ellipsis, never mid-word', () => {
    const server = 'https://rtcc-county-dispatch.example.org:8443 America/Argentina/Buenos_Aires'
    const user = 'investigator-on-night-shift (investigator)'
    const connection = {state: 'connected' as const, since: 0, attempts: 0, caughtUp: 1234, lagMs: 120}
    const app = render(
      <ThemeContext.Provider value={PLAIN_THEME}>
        <StatusBar title="rtcc demo" server={server} user={user} connection={connection} now={0} width={80} />
      </ThemeContext.Provider>,
    )
    const line = lastFrame(app)
    app.unmount()
    expect([...line].length).toBeLessThanOrEqual(80)
    expect(line).toMatch(/^rtcc demo {2}● live · lag 120 ms · 1234 replayed {2,}/)
    const right = line.replace(/^rtcc demo {2}● live · lag 120 ms · 1234 replayed\s+/, '')
    expect(right).toMatch(/…$/)
    // What is left is whole words of the full text, in order.
    const words = right.slice(0, -1).split(' ')
    expect(`${user} @ ${server}`.split(' ').slice(0, words.length)).toEqual(words)
  })
})
