/**
 * The Core's live video path on this machine: a real server, one simulated camera (640x360, 10 fps,
 * H.264), and `rtcc core run` as its own process (from the sources) serving N "cameras" that all pull
 * that one RTSP stream, so the simulator encodes once and every relay is a real ffmpeg stream copy.
 *
 *  - open → first frame: from the viewer's POST /v1/streams until its first bytes of video arrive
 *    (cold: the Core starts the relay; warm: a second viewer joins a running stream).
 *  - Core CPU per relayed stream: the Core process and its ffmpeg children (/proc, Linux), over a
 *    window, divided by the streams it relays; and the marginal cost (slope from 1 to 16 streams).
 *  - Concurrency: N = 1, 2, 4, … up to MAX_STREAMS relayed at once, each watched; a level is sustained
 *    when every viewer receives ≥ 90% of the camera's frame rate. The largest sustained N is reported.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import type {IncomingMessage} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import {ApiClient} from '../src/lib/client/api.js'
import {fetchCertificate} from '../src/lib/client/pinning.js'
import {openStream, watch} from '../src/lib/client/streams.js'
import type {PlannedCamera} from '../src/lib/core/plan.js'
import {provisionCore} from '../src/lib/core/provision.js'
import type {SessionView} from '../src/lib/domain/auth.js'
import type {EnrollCodeView} from '../src/lib/domain/core.js'
import {startSimulatedCameras} from '../src/lib/onvif/simulator/index.js'
import {startServer} from '../src/lib/server/app.js'
import {Fmp4Splitter} from '../src/lib/server/core-link/fmp4.js'
import {initServer} from '../src/lib/server/init.js'
import {cpuPercent} from './lib/cpu.js'

const MAX_STREAMS = 32
const COLD_RUNS = 5
const WINDOW_MS = 5000
const SOURCE_FPS = 10
const CREDENTIALS = {user: 'admin', password: 'bench-pass-1'}
const root = fileURLToPath(new URL('..', import.meta.url))

/** Counts video frames arriving at one viewer (fMP4 fragments and their samples). */
class Viewer {
  frames = 0
  firstByteAt?: number
  private readonly splitter = new Fmp4Splitter()

  constructor(readonly response: IncomingMessage) {
    response.on('data', (chunk: Buffer) => {
      this.firstByteAt ??= performance.now()
      for (const piece of this.splitter.push(chunk)) if (piece.kind === 'fragment') this.frames += piece.samples
    })
  }

  close(): void {
    this.response.destroy()
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const round = (n: number) => Math.round(n)

export async function run(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rtcc-bench-core-server-'))
  const coreDir = mkdtempSync(join(tmpdir(), 'rtcc-bench-core-'))
  const admin = {username: 'chief', password: 'Relay-Measure-Passphrase-1'}
  await initServer(dataDir, admin)
  const server = await startServer({dataDir, port: 0, version: 'bench'})
  const hub = server.ctx.cores
  hub.streams.timings.viewerIdleMs = 500
  const sim = await startSimulatedCameras({count: 1, host: '127.0.9.91', credentials: CREDENTIALS, multicast: false, fps: SOURCE_FPS})
  let core: ReturnType<typeof spawn> | undefined
  try {
    const cert = await fetchCertificate(server.url)
    const pin = {certPem: cert.pem, fingerprint: cert.fingerprint}
    const login = async (username: string, password: string) =>
      new ApiClient({baseUrl: server.url, pin, token: (await new ApiClient({baseUrl: server.url, pin}).post<SessionView>('/v1/auth/login', {username, password})).token})
    const adminApi = await login(admin.username, admin.password)
    const {owner} = await new ApiClient({baseUrl: server.url, pin}).post<{owner: {id: string}}>('/v1/owners/signup', {username: 'shopkeeper', password: 'Corner-Shop-Passphrase-9', profile: {displayName: 'Bench Owner', email: 'bench@example.org'}})
    await adminApi.post('/v1/users', {username: 'detective', password: 'Night-Watch-Passphrase-3', role: 'investigator'})
    const viewer = await login('detective', 'Night-Watch-Passphrase-3')
    const code = (await adminApi.post<EnrollCodeView>('/v1/cores/enroll-codes', {ownerId: owner.id, expiresInSeconds: 3600})).code
    const camera = sim.cameras[0]!
    const cameras: PlannedCamera[] = Array.from({length: MAX_STREAMS + COLD_RUNS}, (_, i) => ({
      address: camera.address,
      name: `Bench camera ${i + 1}`,
      rtspUrl: camera.streams[0]!.rtspUrl,
      deviceServiceUrl: null,
      make: null,
      model: null,
      credentials: CREDENTIALS,
      live: 'always',
      recorded: 'never',
    }))
    const provisioned = await provisionCore({server: server.url, code, dir: coreDir, name: 'Bench site', site: {latitude: 41.88, longitude: -87.63, address: null, locationType: 'business'}, cameras, fingerprint: cert.fingerprint, version: 'bench'})
    const ids = provisioned.cameras.map((c) => c.id)

    core = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin/dev.js'), 'core', 'run', '--config-dir', coreDir, '--health-interval', '1h'], {cwd: root, stdio: ['ignore', 'ignore', 'ignore']})
    for (let waited = 0; !hub.session(provisioned.coreId); waited += 100) {
      if (waited > 60_000) throw new Error('the Core process did not connect within 60 s')
      await sleep(100)
    }
    const corePid = core.pid!
    // Idle once the Core's first health round (an ffprobe per camera) is over.
    for (let waited = 0; (await server.ctx.store.cores.listCores())[0]!.cameras.some((c) => c.checkedAt === null); waited += 250) {
      if (waited > 120_000) throw new Error('the Core did not report camera health within 120 s')
      await sleep(250)
    }
    const idleCpu = await cpuPercent(corePid, 3000)

    const openAndWatch = async (cameraId: string) => {
      const start = performance.now()
      const grant = await openStream(viewer, cameraId, {urlSeconds: 60})
      const granted = performance.now()
      const watcher = new Viewer(await watch(grant.url, pin))
      while (watcher.firstByteAt === undefined) await sleep(5)
      return {watcher, grantMs: granted - start, firstFrameMs: watcher.firstByteAt - start}
    }
    const waitIdle = async () => {
      for (let waited = 0; hub.streams.list().length > 0; waited += 100) {
        if (waited > 20_000) throw new Error('streams did not stop after their viewers left')
        await sleep(100)
      }
    }

    // Cold starts, each on a camera not relayed before; then a second viewer joining the last one.
    const cold: number[] = []
    let previous: Viewer | undefined
    for (let i = 0; i < COLD_RUNS; i++) {
      previous?.close()
      const opened = await openAndWatch(ids[MAX_STREAMS + i]!)
      cold.push(opened.firstFrameMs)
      previous = opened.watcher
    }
    const warm = await openAndWatch(ids[MAX_STREAMS + COLD_RUNS - 1]!)
    warm.watcher.close()
    previous?.close()
    await waitIdle()

    // Ramp: N relays at once, each watched; measure delivered fps and Core CPU over a window.
    const levels: Record<string, unknown>[] = []
    let sustained = 0
    for (let n = 1; n <= MAX_STREAMS; n *= 2) {
      const watching = await Promise.all(ids.slice(0, n).map((id) => openAndWatch(id)))
      await sleep(1500)
      const before = watching.map((w) => w.watcher.frames)
      const cpu = await cpuPercent(corePid, WINDOW_MS)
      const fps = watching.map((w, i) => ((w.watcher.frames - before[i]!) * 1000) / WINDOW_MS)
      const ok = fps.every((f) => f >= 0.9 * SOURCE_FPS)
      levels.push({streams: n, coreCpuPercent: cpu, cpuPerStreamPercent: Math.round((cpu / n) * 10) / 10, minFps: Math.min(...fps), medianFps: median(fps), sustained: ok})
      for (const w of watching) w.watcher.close()
      await waitIdle()
      if (!ok) break
      sustained = n
    }
    const at = (n: number) => levels.find((l) => l.streams === n) as {coreCpuPercent: number} | undefined
    const best = levels.findLast((l) => l.sustained) as {cpuPerStreamPercent: number} | undefined
    return {
      source: `simulated camera 640x360 H.264 @ ${SOURCE_FPS} fps, keyframe every 1 s`,
      openToFirstFrameColdMs: {median: round(median(cold)), max: round(Math.max(...cold)), runs: cold.map(round)},
      openToFirstFrameWarmMs: round(warm.firstFrameMs),
      coreIdleCpuPercent: idleCpu,
      coreCpuPerStreamPercent: {
        // The slope between 1 and 16 streams: what each more stream costs, free of the idle baseline's noise.
        marginal: at(16) ? Math.round(((at(16)!.coreCpuPercent - at(1)!.coreCpuPercent) / 15) * 100) / 100 : null,
        atLargestSustained: best?.cpuPerStreamPercent ?? null,
      },
      maxConcurrentStreamsSustained: sustained,
      limit: `${MAX_STREAMS} streams (bench bound; 2 CPUs shared by simulator, server, viewers and Core)`,
      levels,
    }
  } finally {
    core?.kill('SIGTERM')
    await sleep(500)
    core?.kill('SIGKILL')
    await server.close()
    await sim.stop()
    rmSync(dataDir, {recursive: true, force: true})
    rmSync(coreDir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
