/**
 * Several server instances on one PostgreSQL database and one NATS JetStream stream.
 *
 *  - Fan-out across instances: an event published at instance A reaching 1000 dashboards (SSE over TLS
 *    1.3) on instance B, p50/p99, against the same 1000 dashboards on a single instance with the
 *    default in-process hub, in the same run (goal: cluster p99 ≤ 1.5 × single + 5 ms). Both servers
 *    and the clients share this process (bench/sse-fanout.ts measures).
 *  - Core failover: `rtcc core run` linked to one of four `rtcc server start` processes, each of which
 *    is killed (SIGKILL) in turn after the link has been up for a while; the time from the kill until
 *    the Core is linked to the next one (median of 3, goal ≤ 5 s).
 *
 * Needs NATS (RTCC_BENCH_NATS_URL, default nats://127.0.0.1:4222) and PostgreSQL (bench/lib/postgres.ts).
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import {ApiClient} from '../src/lib/client/api.js'
import {STABLE_MS} from '../src/lib/core/backoff.js'
import {provisionCore} from '../src/lib/core/provision.js'
import type {SessionView} from '../src/lib/domain/auth.js'
import type {EnrollCodeView} from '../src/lib/domain/core.js'
import {startSimulatedCameras} from '../src/lib/onvif/simulator/index.js'
import {type RunningServer, startServer} from '../src/lib/server/app.js'
import {initServer} from '../src/lib/server/init.js'
import {deleteStream, type Instance, startInstance, uniqueStream} from '../test/cluster/helpers.js'
import {adminQuery, benchPostgresUrl} from './lib/postgres.js'
import {measure, type Target} from './sse-fanout.js'

const NATS = process.env.RTCC_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222'
const FAILOVERS = 3
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const ADMIN = {username: 'chief', password: `bench-${randomBytes(9).toString('base64url')}`}

function sseTarget(publishAt: RunningServer, subscribeAt: RunningServer, token: string): Target {
  return {
    url: new URL(`${subscribeAt.url}/v1/events?types=panic.*`),
    headers: {authorization: `Bearer ${token}`},
    ca: subscribeAt.ctx.secrets.certPem,
    publish: (seq) => {
      const sentAt = performance.now()
      void publishAt.ctx.events.publish({type: 'panic.triggered', severity: 'critical', data: {seq, site: 'Bench Store', latitude: 41.88, longitude: -87.63, cameras: []}})
      return sentAt
    },
  }
}

async function login(server: {url: string; fingerprint: string}, certPem: string): Promise<ApiClient> {
  const pin = {certPem, fingerprint: server.fingerprint}
  const {token} = await new ApiClient({baseUrl: server.url, pin}).post<SessionView>('/v1/auth/login', ADMIN)
  return new ApiClient({baseUrl: server.url, pin, token})
}

async function fanout(database: string, stream: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rtcc-bench-cluster-'))
  const servers: RunningServer[] = []
  const start = async (bus?: string) => {
    const server = await startServer({dataDir, database, bus, port: 0, version: 'bench'})
    servers.push(server)
    return server
  }
  try {
    await initServer(dataDir, ADMIN, database)
    const single = await start()
    const singleToken = (await login(single, single.ctx.secrets.certPem)).options.token!
    const alone = await measure(sseTarget(single, single, singleToken))
    await single.close()
    const bus = `${NATS}?stream=${stream}`
    const a = await start(bus)
    const b = await start(bus)
    const across = await measure(sseTarget(a, b, (await login(b, b.ctx.secrets.certPem)).options.token!))
    return {
      clients: 1000,
      singleP50Ms: alone.p50,
      singleP99Ms: alone.p99,
      clusterP50Ms: across.p50,
      clusterP99Ms: across.p99,
      p99Ratio: Math.round((across.p99 / alone.p99) * 100) / 100,
      goalMet: across.p99 <= 1.5 * alone.p99 + 5,
      allDelivered: alone.delivered === across.delivered,
    }
  } finally {
    for (const server of servers) await server.close().catch(() => undefined)
    rmSync(dataDir, {recursive: true, force: true})
  }
}

/** Four instances; the Core starts on the first and moves along the list as each is killed. */
async function failover(database: string, stream: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rtcc-bench-failover-'))
  const coreDir = mkdtempSync(join(tmpdir(), 'rtcc-bench-failover-core-'))
  const instances: Instance[] = []
  const sim = await startSimulatedCameras({count: 1, host: '127.0.12.21', credentials: {user: 'admin', password: 'bench-pass-1'}, multicast: false, width: 160, height: 90, fps: 5})
  let core: ChildProcess | undefined
  try {
    await initServer(dataDir, ADMIN, database)
    const bus = `${NATS}?stream=${stream}`
    for (let i = 0; i <= FAILOVERS; i++) instances.push(await startInstance({dataDir, database, bus}))
    const [first, ...rest] = instances as [Instance, ...Instance[]]
    const certPem = readFileSync(join(dataDir, 'tls-cert.pem'), 'utf8')
    const admin = await login(first, certPem)
    const signup = await admin.post<{owner: {id: string}}>('/v1/owners/signup', {username: 'store-keeper', password: 'Bench-Owner-Passphrase-1', profile: {displayName: 'Bench owner', email: 'bench@example.org'}})
    const {code} = await admin.post<EnrollCodeView>('/v1/cores/enroll-codes', {ownerId: signup.owner.id, expiresInSeconds: 3600})
    const camera = sim.cameras[0]!
    await provisionCore({
      server: first.url, code, dir: coreDir, name: 'Bench Store', version: 'bench', fingerprint: first.fingerprint,
      site: {latitude: 41.88, longitude: -87.63, address: '1 Bench St', locationType: 'business'},
      cameras: [{address: camera.address, name: camera.name, rtspUrl: camera.streams[0]!.rtspUrl, deviceServiceUrl: camera.deviceServiceUrl, make: null, model: null, credentials: {user: 'admin', password: 'bench-pass-1'}, live: 'always', recorded: 'never'}],
    })
    let log = ''
    core = spawn(process.execPath, [BIN, 'core', 'run', '--config-dir', coreDir, '--failover-server', rest.map((i) => i.url).join(',')], {stdio: ['ignore', 'ignore', 'pipe']})
    core.stderr!.on('data', (d) => (log += d))
    const linkedTo = async (instance: Instance, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs
      while (!log.includes(`connected to ${instance.url}`)) {
        if (Date.now() > deadline) throw new Error(`the Core did not link to ${instance.url} within ${timeoutMs} ms:\n${log}`)
        await sleep(10)
      }
    }
    await linkedTo(first, 15_000)
    const times: number[] = []
    for (let i = 0; i < FAILOVERS; i++) {
      // Linked for a while, as in production: a link that was up STABLE_MS gets the fast retry after a drop
      // (a shorter one would be met by the growing backoff of a flapping server instead).
      await sleep(STABLE_MS + 500)
      const killed = Date.now()
      await instances[i]!.kill()
      await linkedTo(instances[i + 1]!, 30_000)
      times.push(Date.now() - killed)
    }
    times.sort((x, y) => x - y)
    return {failoverMs: times, failoverMedianMs: times[Math.floor(times.length / 2)]!, goalMs: 5000}
  } finally {
    core?.kill('SIGTERM')
    for (const instance of instances) await instance.kill()
    await sim.stop()
    rmSync(dataDir, {recursive: true, force: true})
    rmSync(coreDir, {recursive: true, force: true})
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const adminUrl = await benchPostgresUrl()
  if (!adminUrl) return {skipped: 'no PostgreSQL (set RTCC_BENCH_POSTGRES_URL)'}
  const results: Record<string, unknown> = {}
  for (const [name, bench] of [['fanout', fanout], ['failover', failover]] as const) {
    const dbName = `rtcc_bench_cluster_${process.pid}_${name}`
    const url = new URL(adminUrl)
    url.pathname = `/${dbName}`
    const stream = uniqueStream()
    await adminQuery(adminUrl, `CREATE DATABASE ${dbName}`)
    try {
      Object.assign(results, await bench(url.toString(), stream))
    } finally {
      await deleteStream(stream)
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
    }
  }
  return results
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
