/**
 * Discovery benchmark: 50 simulated cameras found by multicast, by a unicast WS-Discovery sweep of a
 * /24, and by the full sweep (WS-Discovery plus ONVIF HTTP checks), each without loss and with 5 %
 * random UDP loss; the `onvif` package's single multicast probe as the baseline; and the time to read
 * one device's details and to probe one stream.
 *
 * It re-runs itself inside a fresh network namespace (`unshare -n`, root only) where loopback is the
 * only interface, so no multicast can leave through a real network card and the baseline (which
 * cannot pin its multicast interface) is safe to run. Loss comes from an nftables rule in that
 * namespace (`numgen random mod 100 < 5` drops UDP on input: one lost multicast probe is lost for
 * every camera, as on a real wire). Without root, unshare or nft it falls back to host loopback and
 * to loss drawn inside the simulator, skips the baseline, and says so in `environment`.
 * The cameras run in a child process, as real cameras would be elsewhere: 50 simulated cameras in
 * the scanner's own event loop would slow the scanner being measured.
 * Run directly: `npx tsx bench/discovery.ts` (DISCOVERY_BENCH_RUNS=N, default 5).
 */
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {once} from 'node:events'
import {fileURLToPath, pathToFileURL} from 'node:url'

import onvif from 'onvif'

import {probeStream} from '../src/lib/media/probe.js'
import {withCredentials} from '../src/lib/media/redact.js'
import {readDevice} from '../src/lib/onvif/device-client.js'
import {discover, type DiscoverOptions} from '../src/lib/onvif/discovery.js'
import {type SimulatedCamera, type SimulatorHandle, type SimulatorOptions, startSimulatedCameras} from '../src/lib/onvif/simulator/index.js'

const CAMERAS = 50
const RUNS = Number(process.env.DISCOVERY_BENCH_RUNS ?? 5)
const LOSS = 0.05
const NET = '127.0.9.'
const CREDS = {user: 'admin', password: 'bench'}
const INSIDE = process.env.RTCC_BENCH_NETNS === '1'

interface Series {
  foundPerRun: number[]
  foundMin: number
  foundMedian: number
  wallMsMedian: number
  wallMsMax: number
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function series(scan: () => Promise<{found: number; ms: number}>): Promise<Series> {
  const found: number[] = []
  const ms: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const r = await scan()
    found.push(r.found)
    ms.push(r.ms)
  }
  return {foundPerRun: found, foundMin: Math.min(...found), foundMedian: median(found), wallMsMedian: median(ms), wallMsMax: Math.max(...ms)}
}

function ourScan(options: DiscoverOptions) {
  return async () => {
    const started = Date.now()
    const report = await discover({details: false, timeoutMs: 3000, ...options})
    return {found: report.devices.filter((d) => d.address.startsWith(NET)).length, ms: Date.now() - started}
  }
}

function onvifPackageScan() {
  return () =>
    new Promise<{found: number; ms: number}>((resolve) => {
      const started = Date.now()
      onvif.Discovery.probe({timeout: 1500, resolve: false, device: 'lo'}, (_err, matches) => {
        const addresses = new Set((matches ?? []).map((m: unknown) => JSON.stringify(m).match(/127\.0\.9\.\d+/)?.[0]).filter(Boolean))
        resolve({found: addresses.size, ms: Date.now() - started})
      })
    })
}

function nftAvailable(): boolean {
  return INSIDE && spawnSync('nft', ['--version']).status === 0
}

function setNftLoss(on: boolean): void {
  if (on) {
    execFileSync('nft', ['add', 'table', 'inet', 'rtccloss'])
    execFileSync('nft', ['add', 'chain', 'inet', 'rtccloss', 'input', '{ type filter hook input priority 0 ; }'])
    execFileSync('nft', ['add', 'rule', 'inet', 'rtccloss', 'input', 'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', 'lt', String(LOSS * 100), 'drop'])
  } else {
    spawnSync('nft', ['delete', 'table', 'inet', 'rtccloss'])
  }
}

/** Starts the cameras in a child process (this file with `simulate`); resolves once they listen. */
async function simulatorProcess(options: SimulatorOptions): Promise<{cameras: SimulatedCamera[]; stop: () => Promise<void>}> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'simulate'], {env: {...process.env, RTCC_BENCH_SIM: JSON.stringify(options)}, stdio: ['ignore', 'pipe', 'inherit']})
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const exited = once(child, 'exit')
  while (!out.includes('\n')) await Promise.race([once(child.stdout, 'data'), exited.then(() => Promise.reject(new Error('simulator process exited')))])
  return {
    cameras: JSON.parse(out) as SimulatedCamera[],
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

async function simulate(): Promise<void> {
  const sim: SimulatorHandle = await startSimulatedCameras(JSON.parse(process.env.RTCC_BENCH_SIM ?? '{}') as SimulatorOptions)
  process.stdout.write(JSON.stringify(sim.cameras) + '\n')
  await once(process, 'SIGTERM')
  await sim.stop()
}

async function measure(): Promise<Record<string, unknown>> {
  const kernelLoss = nftAvailable()
  const modes: Record<string, Record<string, Series>> = {multicast: {}, 'unicast-probe /24': {}, 'unicast sweep /24 (probe + HTTP)': {}}
  if (INSIDE) modes['onvif package, one probe'] = {}
  let perDevice: Record<string, number> = {}
  let receiveBufferBytes = 0

  for (const [label, loss] of [['noLoss', 0], ['loss5pct', LOSS]] as const) {
    let sim: Awaited<ReturnType<typeof simulatorProcess>> | undefined
    try {
      sim = await simulatorProcess({count: CAMERAS, host: NET + '11', credentials: CREDS, vendor: 'mixed', packetLoss: kernelLoss ? 0 : loss})
      // One unmeasured scan warms the simulator process (it stands in for cameras, which are warm).
      await discover({interfaces: ['127.0.0.1'], details: false, rounds: 1})
      if (kernelLoss && loss) setNftLoss(true)
      modes.multicast![label] = await series(ourScan({interfaces: ['127.0.0.1']}))
      modes['unicast-probe /24']![label] = await series(ourScan({multicast: false, subnets: [NET + '0/24'], onvifPorts: []}))
      modes['unicast sweep /24 (probe + HTTP)']![label] = await series(ourScan({multicast: false, subnets: [NET + '0/24']}))
      if (INSIDE) modes['onvif package, one probe']![label] = await series(onvifPackageScan())
      if (loss === 0) {
        receiveBufferBytes = (await discover({interfaces: ['127.0.0.1'], details: false, rounds: 1})).scan.receiveBufferBytes
        const readMs: number[] = []
        for (const camera of sim.cameras.slice(0, 10)) {
          const t = Date.now()
          await readDevice(camera.deviceServiceUrl, {credentials: [CREDS]})
          readMs.push(Date.now() - t)
        }
        const probeMs: number[] = []
        for (const camera of sim.cameras.slice(0, 3)) {
          const t = Date.now()
          await probeStream(withCredentials(camera.streams[0]!.rtspUrl, CREDS.user, CREDS.password))
          probeMs.push(Date.now() - t)
        }
        perDevice = {readDetailsMsMedian: median(readMs), probeStreamMsMedian: median(probeMs)}
      }
    } finally {
      if (kernelLoss) setNftLoss(false)
      await sim?.stop()
    }
  }
  const every = (mode: string, limitMs: number) => Object.values(modes[mode]!).every((s) => s.foundMin === CAMERAS && s.wallMsMax <= limitMs)
  return {
    environment: {
      networkNamespace: INSIDE,
      lossMethod: kernelLoss ? 'nftables numgen in the namespace (UDP, input)' : 'simulator drops each discovery datagram in and out',
      cameras: CAMERAS,
      runsPerSeries: RUNS,
      receiveBufferBytes,
    },
    modes,
    perDevice,
    goals: {
      multicast50of50Within2s: every('multicast', 2000),
      unicastSweep50of50Within3s: every('unicast sweep /24 (probe + HTTP)', 3000),
    },
  }
}

/** Re-runs this file inside a new network namespace when possible, else measures here. */
export async function run(): Promise<Record<string, unknown>> {
  if (INSIDE || process.platform !== 'linux' || process.getuid?.() !== 0) return measure()
  const self = fileURLToPath(import.meta.url)
  const script = 'ip link set lo up && ip route add 224.0.0.0/4 dev lo && exec "$0" "$@"'
  const child = spawnSync('unshare', ['-n', 'sh', '-c', script, process.execPath, '--import', 'tsx', self], {env: {...process.env, RTCC_BENCH_NETNS: '1'}, encoding: 'utf8', timeout: 15 * 60_000, stdio: ['ignore', 'pipe', 'inherit']})
  if (child.status !== 0) {
    process.stderr.write(`discovery bench: no network namespace (${child.error?.message ?? `exit ${child.status}`}); measuring on host loopback\n`)
    return measure()
  }
  return JSON.parse(child.stdout) as Record<string, unknown>
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === 'simulate') await simulate()
  else console.log(JSON.stringify(await run(), null, 2))
}
