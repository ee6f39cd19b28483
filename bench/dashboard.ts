/**
 * `rtcc dashboard` costs: (1) first frame — from spawning the CLI in a pseudo-terminal (`script`) to
 * the first drawn screen, and to the live connection, against loading Ink + React alone in a bare
 * node (the floor for any Ink app), in wall and CPU time, for the bundle bin/run.js loads (dist/lean/,
 * scripts/bundle-lean.mjs) and for the unbundled modules it falls back to; (2) render time per event with 10,000 alerts already in the
 * buffer — from an event reaching the dashboard to the frame that shows it (React + layout + output,
 * Ink's unthrottled debug renderer) — against the floor of rendering one static 80×23 Ink frame, and
 * the reducer's share of it.
 */
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ApiClient} from '../src/lib/client/api.js'
import type {DashboardSource} from '../src/lib/client/dashboard.js'
import type {SessionView} from '../src/lib/domain/auth.js'
import type {RtccEvent} from '../src/lib/domain/events.js'
import {startServer} from '../src/lib/server/app.js'
import {initServer} from '../src/lib/server/init.js'
import {dataReducer, initialData} from '../src/tui/model/data.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
/** What bin/run.js does for `rtcc dashboard` without the bundle. */
const UNBUNDLED = `--input-type=module -e "(await import('${new URL('../dist/lib/output/lean-runner.js', import.meta.url).href}')).runLean(['dashboard'])"`
const STARTS = 7
const BUFFER = 10_000
const MEASURED_EVENTS = 200

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const round = (n: number) => Math.round(n * 100) / 100

/** The CPU time (user + system) a process has used so far, from /proc (10 ms ticks); undefined off Linux. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** The process `script` runs the command in (its only child: the shell exec()s node). */
function scriptChild(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]) || undefined
  } catch {
    return undefined
  }
}

interface Start {
  firstFrameMs: number
  liveMs: number
  /** CPU time of the dashboard's process up to its first frame: steadier than wall time on a busy machine. */
  firstFrameCpuMs?: number
}

/** Time to the first screen and to "● live", in a pseudo-terminal of 80×24, of `node ARGS`. */
function startOnce(args: string, env: Record<string, string>): Promise<Start> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    // Ink draws nothing until exit when CI is set, whatever its value: leave it out.
    const {CI: _ci, ...inherited} = process.env
    const child = spawn('script', ['-qfec', `stty cols 80 rows 24; exec ${process.execPath} ${args}`, '/dev/null'], {env: {...inherited, ...env}, stdio: ['pipe', 'pipe', 'ignore']})
    let output = ''
    let firstFrameMs: number | undefined
    let firstFrameCpuMs: number | undefined
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
      if (firstFrameMs === undefined && output.includes('rtcc dashboard')) {
        firstFrameMs = performance.now() - started
        const node = scriptChild(child.pid!)
        firstFrameCpuMs = node === undefined ? undefined : cpuMs(node)
      }
      if (output.includes('● live')) {
        const liveMs = performance.now() - started
        child.stdin.write('q')
        child.once('exit', () => {
          clearTimeout(timer)
          resolve({firstFrameMs: firstFrameMs ?? liveMs, liveMs, firstFrameCpuMs})
        })
        output = ''
      }
    })
    child.on('error', reject)
    child.on('exit', (code) => firstFrameMs === undefined && reject(new Error(`dashboard exited ${code} before drawing:\n${output}`)))
  })
}

const cpuFigure = (name: string, starts: Start[]) => {
  const cpu = starts.flatMap((s) => (s.firstFrameCpuMs === undefined ? [] : [s.firstFrameCpuMs]))
  return cpu.length === starts.length ? {[name]: median(cpu)} : {}
}

async function firstFrame(): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rtcc-bench-dash-'))
  const admin = {username: 'chief', password: `bench-${randomBytes(9).toString('base64url')}`}
  try {
    await initServer(dataDir, admin)
    const server = await startServer({dataDir, port: 0, version: 'bench'})
    const session = await new ApiClient({baseUrl: server.url, pin: {certPem: server.ctx.secrets.certPem, fingerprint: server.fingerprint}}).post<SessionView>('/v1/auth/login', admin)
    const env = {RTCC_SERVER: server.url, RTCC_TOKEN: session.token, RTCC_FINGERPRINT: server.fingerprint, RTCC_CONFIG_DIR: dataDir, TERM: 'xterm-256color', NODE_ENV: 'production'}
    const runs: Start[] = []
    const unbundled: Start[] = []
    try {
      await startOnce(`${BIN} dashboard`, env) // warm the file cache
      await startOnce(UNBUNDLED, env)
      // Alternated, so both see the same load: the bundle bin/run.js takes (dist/lean/), and the
      // unbundled lean runner it falls back to (what a tsc-only build runs).
      for (let i = 0; i < STARTS; i++) {
        runs.push(await startOnce(`${BIN} dashboard`, env))
        unbundled.push(await startOnce(UNBUNDLED, env))
      }
    } finally {
      const closing = server.close()
      server.app.server.closeAllConnections()
      await closing
    }
    const inkAlone: number[] = []
    const inkAloneCpu: number[] = []
    for (let i = 0; i < STARTS; i++) {
      const t = performance.now()
      const script = "await import('ink'); await import('react'); const {user, system} = process.cpuUsage(); console.log((user + system) / 1000)"
      const {stdout} = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', env: {...process.env, NODE_ENV: 'production'}})
      inkAlone.push(performance.now() - t)
      inkAloneCpu.push(Number(stdout))
    }
    const node: number[] = []
    for (let i = 0; i < STARTS; i++) {
      const t = performance.now()
      spawnSync(process.execPath, ['-e', '0'], {stdio: 'ignore'})
      node.push(performance.now() - t)
    }
    return {
      firstFrameMs: round(median(runs.map((r) => r.firstFrameMs))),
      liveMs: round(median(runs.map((r) => r.liveMs))),
      ...cpuFigure('firstFrameCpuMs', runs),
      firstFrameUnbundledMs: round(median(unbundled.map((r) => r.firstFrameMs))),
      ...cpuFigure('firstFrameUnbundledCpuMs', unbundled),
      inkReactLoadMs: round(median(inkAlone)),
      inkReactLoadCpuMs: round(median(inkAloneCpu)),
      nodeBareMs: round(median(node)),
      firstFrameGoalMs: 600,
    }
  } finally {
    rmSync(dataDir, {recursive: true, force: true})
  }
}

let nextId = 1
const alertEvent = (): RtccEvent => ({
  id: nextId++,
  type: nextId % 2 ? 'request.declined' : 'camera.offline',
  time: new Date().toISOString(),
  severity: 'warning',
  ownerId: null,
  data: {requestId: `req_${nextId}`, caseId: `CASE-${nextId % 50}`, cameraId: `cam_${nextId}`, cameraName: `Camera ${nextId}`},
})

/** An in-memory source: the benchmark pushes events into the dashboard's stream by hand. */
function pushSource() {
  let wake: (() => void) | undefined
  const queue: RtccEvent[] = []
  const source: DashboardSource = {
    server: 'bench',
    follow: (options) => ({
      async *[Symbol.asyncIterator]() {
        options.onState?.('connected')
        while (!options.signal?.aborted) {
          while (queue.length) yield queue.shift()!
          await new Promise<void>((resolve) => (wake = resolve))
        }
      },
    }),
    whoami: async () => ({username: 'bench', role: 'investigator'}),
    listRequests: async () => [],
    listStreams: async () => [],
    nearby: async () => [],
    snapshot: async () => Buffer.alloc(0),
  }
  const push = (...events: RtccEvent[]) => {
    queue.push(...events)
    wake?.()
  }
  return {source, push}
}

async function renderPerEvent(): Promise<Record<string, number>> {
  // As `rtcc dashboard` runs it: React's production build (loaded here, after setting this).
  process.env.NODE_ENV = 'production'
  const [{render}, {createElement}, {App}, {PLAIN_THEME}] = await Promise.all([import('ink-testing-library'), import('react'), import('../src/tui/app.js'), import('../src/tui/theme.js')])
  const {source, push} = pushSource()
  const app = render(createElement(App, {source, size: {columns: 80, rows: 24}, theme: PLAIN_THEME}))
  let waiting: {text: string; resolve: () => void} | undefined
  const write = app.stdout.write
  app.stdout.write = (frame: string) => {
    write(frame)
    if (waiting && frame.includes(waiting.text)) waiting.resolve()
  }
  const shown = (text: string) => new Promise<void>((resolve) => (waiting = {text, resolve}))
  try {
    const buffer = Array.from({length: BUFFER}, alertEvent)
    const loaded = shown(`${BUFFER} new`)
    push(...buffer)
    await loaded
    const times: number[] = []
    for (let i = 0; i < MEASURED_EVENTS; i++) {
      const event = alertEvent()
      const frame = shown(`Camera offline: Bench camera #${event.id} `)
      const t = performance.now()
      push({...event, type: 'camera.offline', data: {cameraId: `cam_${event.id}`, cameraName: `Bench camera #${event.id}`}})
      await frame
      times.push(performance.now() - t)
    }
    // The reducer alone, on the same buffer size.
    let data = dataReducer(initialData(), {type: 'connection', state: 'connected', at: Date.now()})
    data = dataReducer(data, {type: 'events', events: Array.from({length: BUFFER}, alertEvent), receivedAt: Date.now()})
    const t = performance.now()
    for (let i = 0; i < MEASURED_EVENTS; i++) data = dataReducer(data, {type: 'events', events: [alertEvent()], receivedAt: Date.now()})
    const reducerMs = (performance.now() - t) / MEASURED_EVENTS
    const floor = await inkFrameFloor()
    return {
      alertsInBuffer: BUFFER,
      renderPerEventP50Ms: round(median(times)),
      renderPerEventMaxMs: round(Math.max(...times)),
      reducerPerEventMs: round(reducerMs),
      inkStaticFrameMs: round(floor),
      renderPerEventRatio: round(median(times) / floor),
    }
  } finally {
    app.unmount()
  }
}

/** The floor for any Ink screen this size: one 80×23 bordered frame of plain lines, rendered from scratch. */
async function inkFrameFloor(): Promise<number> {
  const [{renderToString, Box, Text}, {createElement}] = await Promise.all([import('ink'), import('react')])
  const frame = () =>
    createElement(Box, {flexDirection: 'column', width: 80, height: 23, borderStyle: 'double'}, ...Array.from({length: 20}, (_, i) => createElement(Text, {key: i, wrap: 'truncate'}, `${i} ${'x'.repeat(70)}`)))
  for (let i = 0; i < 20; i++) renderToString(frame(), {columns: 80})
  const times: number[] = []
  for (let i = 0; i < 100; i++) {
    const t = performance.now()
    renderToString(frame(), {columns: 80})
    times.push(performance.now() - t)
  }
  return median(times)
}

export async function run(): Promise<Record<string, unknown>> {
  const previous = process.env.NODE_ENV
  try {
    return {...(await firstFrame()), ...(await renderPerEvent())}
  } finally {
    process.env.NODE_ENV = previous
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
