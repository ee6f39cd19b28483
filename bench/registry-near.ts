/**
 * Radius search over BENCH_ROWS cameras (scattered over a 60 km square around Chicago, as the import
 * benchmark's file is), 1000 random points, 300 m and 2 km, the API's default limit of 100:
 *  - index: the in-memory grid search, jurisdiction test and ranking alone (what an in-memory kd-tree
 *    figure measures: 0.13 ms p99 at 300 m, 2.3 ms at 2 km);
 *  - query: the store's nearCameras inside a transaction as the route runs it, rows read back from
 *    SQLite and the stale-entry check included (an R*Tree joined back to the table: 0.8 ms, 32 ms),
 *    with the server's GC flags (server/gc-flags.ts);
 *    for the whole registry and for an agency whose jurisdiction is half of it;
 *  - api: `GET /v1/registry/near` end to end against `rtcc server start` (TLS, auth, audit record):
 *    latency one request at a time, to the response's last byte (p50/p99; `withClientParse` adds this
 *    process's JSON.parse of the body, which the figure included until issue 16), with the server's
 *    CPU per request (also for `whoami`, the cheapest authenticated read: what every request pays
 *    before its own work), and requests/s with
 *    BENCH_API_CONCURRENCY (8) in flight for BENCH_API_SECONDS (5), against a bare node:https server
 *    sending the same bytes (the limit).
 * With PostgreSQL (RTCC_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test when it
 * answers; see lib/postgres.ts) the same registry is seeded into a database of its own through the
 * store's bulk path, and `query` and `api` are measured there too (`postgres`; query CPU is on the
 * database server, so only wall time). Size: BENCH_ROWS cameras, default 200,000 so that the whole
 * default `npm run bench` fits in about 10 minutes on 2 cores; BENCH_ROWS=1000000 for the size.
 * Wall-clock and CPU-time percentiles are both reported: on a shared machine the CPU time is the
 * steadier measure of the work itself. REGISTRY_BENCH_MMAP=BYTES measures the server-side queries
 * with another SQLite memory-map size than the store's (0: read() calls). Needs a built dist/. Run: `npx tsx bench/registry-near.ts`.
 */
import {spawn} from 'node:child_process'
import {Agent, get as httpsGet} from 'node:https'
import {mkdtempSync, rmSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ApiClient} from '../src/lib/client/api.js'
import {fetchCertificate, pinnedTls} from '../src/lib/client/pinning.js'
import type {SessionView} from '../src/lib/domain/auth.js'
import {type CameraInput, LOCATION_TYPES} from '../src/lib/domain/camera.js'
import {initServer} from '../src/lib/server/init.js'
import {prepareDataDir} from '../src/lib/server/data-dir.js'
import {useServerGcFlags} from '../src/lib/server/gc-flags.js'
import {createSelfSignedCertificate} from '../src/lib/server/tls.js'
import {insertAgency} from '../src/lib/store/agencies.js'
import {cameraLocations} from '../src/lib/store/camera-locations.js'
import {type CameraScope, nearCameras} from '../src/lib/store/cameras.js'
import {openDatabase} from '../src/lib/store/db.js'
import {applyStaged, ImportStaging, newStagingFile, resolveStagedOwners, withStaging} from '../src/lib/store/registry-import.js'
import {type BenchServer, cpuSeconds, startServerProcess} from './registry-import.js'
import {benchPostgresUrl, benchRows, withBenchDatabase} from './lib/postgres.js'
import {random} from '../src/lib/registry/synthetic.js'
import type {AreaGeometry} from '../src/lib/registry/geo.js'

const CENTER = {latitude: 41.8781, longitude: -87.6298}
const SPREAD_DEGREES = 30_000 / 111_195
const LON_SCALE = 1 / Math.cos((CENTER.latitude * Math.PI) / 180)
const POINTS = 1000
const RADII = [300, 2000]
const LIMIT = 100
const ADMIN = {username: 'chief', password: 'Import-Bench-Passphrase-1'}
/** Requests in flight and seconds of the API throughput loops (each bounded by its deadline). */
const API_CONCURRENCY = Number(process.env.BENCH_API_CONCURRENCY ?? 8)
const API_SECONDS = Number(process.env.BENCH_API_SECONDS ?? 5)
/** The western half of the registry's square: an agency's jurisdiction. */
const WEST: AreaGeometry = {
  type: 'Polygon',
  coordinates: [[[-88.2, 41.5], [CENTER.longitude, 41.5], [CENTER.longitude, 42.3], [-88.2, 42.3], [-88.2, 41.5]]],
}


function camera(i: number, next: () => number): CameraInput {
  const records = i % 4 !== 0
  return {
    source: 'bench', externalId: `ext-${i}`, name: `Camera ${i}`,
    latitude: CENTER.latitude + (next() * 2 - 1) * SPREAD_DEGREES, longitude: CENTER.longitude + (next() * 2 - 1) * SPREAD_DEGREES * LON_SCALE,
    address: `${i} W Example St, Chicago`, locationType: LOCATION_TYPES[i % LOCATION_TYPES.length]!, make: 'Axis', model: 'P3245', viewDescription: 'entrance and sidewalk',
    viewDirection: (i * 37) % 360, fieldOfView: 60 + (i % 60), records, retentionDays: records ? 7 + (i % 60) : null, liveCapable: i % 3 === 0, tags: ['front', 'street'],
    ownerEmail: `owner${i % 5000}@example.com`, ownerName: `Owner ${i % 5000}`, ownerOrganisation: null, ownerPhone: null,
  }
}

/** Fills a server data dir with `count` cameras through the store's bulk path (the CLI import is benchmarked elsewhere). */
function seed(dbFile: string, dataDir: string, count: number): void {
  const db = openDatabase(dbFile)
  const staging = new ImportStaging(newStagingFile(dataDir))
  const next = random(42)
  for (let i = 1; i <= count; i++) staging.stage(i + 1, camera(i, next))
  staging.finish(0)
  withStaging(db, staging.file, () => {
    resolveStagedOwners(db)
    db.transaction(() => applyStaged(db, {onConflict: 'update', now: new Date().toISOString(), staged: staging.staged, sources: staging.stagedSources}))()
  })
  staging.discard()
  db.close()
}

const points = () => {
  const next = random(7)
  return Array.from({length: POINTS}, () => ({
    latitude: CENTER.latitude + (next() * 2 - 1) * SPREAD_DEGREES * 0.7,
    longitude: CENTER.longitude + (next() * 2 - 1) * SPREAD_DEGREES * 0.7 * LON_SCALE,
  }))
}

const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000) / 1000
  return {p50: at(0.5), p99: at(0.99)}
}

/** Wall and CPU percentiles of fn over the points, after a warm-up pass. */
function measure(fn: (point: {latitude: number; longitude: number}) => unknown) {
  const at = points()
  for (const point of at.slice(0, 100)) fn(point)
  const wall: number[] = []
  const cpu: number[] = []
  for (const point of at) {
    const w = performance.now()
    const c = cpuMs()
    fn(point)
    cpu.push(cpuMs() - c)
    wall.push(performance.now() - w)
  }
  return {wallMs: percentiles(wall), cpuMs: percentiles(cpu)}
}

/** measure() for an async fn (the PostgreSQL store): wall time, and this process's CPU time (the client side only). */
async function measureAsync(fn: (point: {latitude: number; longitude: number}) => Promise<unknown>) {
  const at = points()
  for (const point of at.slice(0, 100)) await fn(point)
  const wall: number[] = []
  for (const point of at) {
    const w = performance.now()
    await fn(point)
    wall.push(performance.now() - w)
  }
  return {wallMs: percentiles(wall)}
}

/** Requests/s of `path` with API_CONCURRENCY requests in flight for API_SECONDS (a new random point per request). */
async function throughput(client: ApiClient, path: string, query?: (point: {latitude: number; longitude: number}) => Record<string, string | number>) {
  const at = points()
  let done = 0
  const started = performance.now()
  const deadline = started + API_SECONDS * 1000
  await Promise.all(
    Array.from({length: API_CONCURRENCY}, async () => {
      while (performance.now() < deadline) {
        await client.get(path, query?.(at[done % at.length]!))
        done++
      }
    }),
  )
  return Math.round(done / ((performance.now() - started) / 1000))
}

/**
 * The limit for API requests/s, same run, same client and concurrency: a bare node:https server in a
 * process of its own (as the real server is) answering every GET with the same pre-serialised bytes as
 * a real 300 m response: TLS, HTTP and the client's own cost, no routing, auth, query or audit.
 */
async function bareLimit(body: string): Promise<number> {
  const {certPem, keyPem} = await createSelfSignedCertificate('127.0.0.1')
  const script = `const https = require('node:https')
const body = Buffer.from(process.env.BARE_BODY)
const server = https.createServer({key: process.env.BARE_KEY, cert: process.env.BARE_CERT, minVersion: 'TLSv1.3'}, (req, res) => {
  req.resume()
  res.writeHead(200, {'content-type': 'application/json', 'content-length': body.length})
  res.end(body)
})
server.listen(0, '127.0.0.1', () => console.log(server.address().port))`
  const child = spawn(process.execPath, ['-e', script], {env: {...process.env, BARE_BODY: body, BARE_KEY: keyPem, BARE_CERT: certPem}, stdio: ['ignore', 'pipe', 'inherit']})
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d) => resolve(Number(String(d).trim())))
      child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)))
    })
    const url = `https://127.0.0.1:${port}`
    const {pem, fingerprint} = await fetchCertificate(url)
    return await throughput(new ApiClient({baseUrl: url, pin: {certPem: pem, fingerprint}}), '/v1/registry/near')
  } finally {
    child.kill('SIGTERM')
  }
}

const keepAlive = new Agent({keepAlive: true, maxSockets: 1})

/**
 * One GET on a kept-alive TLS connection, timed from the call to the response's last byte: the
 * server's time plus the transport, without the client's own JSON parsing of a ~60 KB body (about a
 * millisecond in this process, timed separately as `withClientParse`).
 */
function timedGet(url: string, pin: {certPem: string; fingerprint: string}, token: string, path: string, query?: Record<string, string | number>): Promise<{ms: number; text: string}> {
  const target = new URL(path, url)
  for (const [name, value] of Object.entries(query ?? {})) target.searchParams.set(name, String(value))
  const {certificateAuthority, checkServerIdentity} = pinnedTls(pin)
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const request = httpsGet(target, {agent: keepAlive, ca: certificateAuthority, checkServerIdentity, minVersion: 'TLSv1.3', headers: {authorization: `Bearer ${token}`}}, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => {
        const ms = performance.now() - started
        const text = Buffer.concat(chunks).toString('utf8')
        if (response.statusCode !== 200) reject(new Error(`GET ${path}: ${response.statusCode} ${text.slice(0, 200)}`))
        else resolve({ms, text})
      })
    })
    request.on('error', reject)
  })
}

/**
 * `GET /v1/registry/near` through the real server: latency one at a time (to the last byte, and with
 * the client's parsing), then requests/s under concurrency.
 */
async function apiFigures(server: BenchServer): Promise<Record<string, unknown>> {
  const {pem, fingerprint} = await fetchCertificate(server.url)
  const pin = {certPem: pem, fingerprint}
  const session = await new ApiClient({baseUrl: server.url, pin}).post<SessionView>('/v1/auth/login', server.admin)
  const client = new ApiClient({baseUrl: server.url, pin, token: session.token})
  const api: Record<string, unknown> = {}
  const started = performance.now()
  await client.get('/v1/registry/near', {at: `${CENTER.latitude},${CENTER.longitude}`, radius: '300m'})
  api.firstQueryMs = Math.round(performance.now() - started)
  const sample = JSON.stringify(await client.get('/v1/registry/near', {at: `${CENTER.latitude},${CENTER.longitude}`, radius: '300m', limit: LIMIT}))
  // The server's own CPU per request (an average over the loop: /proc counts in 10 ms ticks), which
  // load on a shared machine does not inflate as it does the wall-clock percentiles.
  const serverCpu = () => cpuSeconds(server.process.pid!) * 1000
  for (const path of ['/v1/auth/whoami', ...RADII]) {
    const latencies: number[] = []
    const withParse: number[] = []
    const cpuBefore = serverCpu()
    for (const point of points()) {
      const query = typeof path === 'string' ? undefined : {at: `${point.latitude},${point.longitude}`, radius: `${path}m`, limit: LIMIT}
      const {ms, text} = await timedGet(server.url, pin, session.token, typeof path === 'string' ? path : '/v1/registry/near', query)
      latencies.push(ms)
      const t = performance.now()
      JSON.parse(text)
      withParse.push(ms + performance.now() - t)
    }
    api[typeof path === 'string' ? 'whoami' : `${path}m`] = {
      ...percentiles(latencies),
      withClientParse: percentiles(withParse),
      serverCpuMsPerRequest: Math.round(((serverCpu() - cpuBefore) / POINTS) * 1000) / 1000,
    }
  }
  const near: Record<string, number> = {}
  for (const radius of RADII) near[`${radius}m`] = await throughput(client, '/v1/registry/near', (p) => ({at: `${p.latitude},${p.longitude}`, radius: `${radius}m`, limit: LIMIT}))
  // For comparison, same server: the cheapest authenticated read (session check, audit record, TLS).
  const whoami = await throughput(client, '/v1/auth/whoami')
  const limit = await bareLimit(sample)
  const requestsPerSecond = {
    concurrency: API_CONCURRENCY,
    seconds: API_SECONDS,
    near,
    whoami,
    bareHttpsLimit: limit,
    responseBytes: Buffer.byteLength(sample),
    ratio: Object.fromEntries(RADII.map((radius) => [`${radius}m`, Math.round((near[`${radius}m`]! / limit) * 1000) / 1000])),
  }
  return {latencyMs: api, requestsPerSecond}
}

/** The same registry in a PostgreSQL database of its own (seeded through the store's bulk path), its queries and the API on it. */
async function postgresFigures(adminUrl: string, count: number, dir: string): Promise<Record<string, unknown>> {
  const {PgStore} = await import('../src/lib/store/postgres/pg-store.js')
  return withBenchDatabase(adminUrl, 'near', async (url) => {
    const dataDir = join(dir, 'server-pg')
    await prepareDataDir(dataDir)
    await initServer(dataDir, ADMIN, url)
    const store = await PgStore.open(url)
    const serverSide: Record<string, unknown> = {}
    let seedSeconds = 0
    try {
      const started = performance.now()
      const staging = await store.stageImport()
      try {
        const next = random(42)
        let batch: {row: number; camera: CameraInput; maybeRepeat: boolean}[] = []
        for (let i = 1; i <= count; i++) {
          batch.push({row: i + 1, camera: camera(i, next), maybeRepeat: false})
          if (batch.length === staging.batchRows || i === count) {
            await staging.add(batch)
            batch = []
          }
        }
        await staging.resolveOwners()
        await store.transaction(() => staging.apply({onConflict: 'update', now: new Date().toISOString()}))
      } finally {
        await staging.discard()
      }
      await store.pool.query('ANALYZE')
      seedSeconds = (performance.now() - started) / 1000
      const west = await store.agencies.insertAgency('West PD', WEST)
      const scopes: [string, CameraScope][] = [['all', {kind: 'all'}], ['agency', {kind: 'agency', agency: west}]]
      for (const radius of RADII) {
        const figures: Record<string, unknown> = {}
        for (const [name, scope] of scopes) {
          figures[`query${name === 'all' ? '' : 'Agency'}`] = await measureAsync((point) => store.transaction(() => store.cameras.nearCameras(scope, {...point, radiusMetres: radius, limit: LIMIT})))
        }
        serverSide[`${radius}m`] = figures
      }
    } finally {
      await store.close()
    }
    const server = await startServerProcess(dataDir, join(dir, 'config-pg'), url)
    try {
      const {latencyMs, requestsPerSecond} = await apiFigures(server)
      return {seedSeconds: Math.round(seedSeconds), serverSide, apiLatencyMs: latencyMs, apiRequestsPerSecond: requestsPerSecond, loadAverage: Math.round(loadavg()[0]! * 100) / 100}
    } finally {
      await server.stop()
    }
  })
}

/** Default 200,000 cameras (the whole default `npm run bench` stays near 10 minutes on 2 cores); BENCH_ROWS=1000000 for the size. */
export async function run(count = benchRows(200_000)): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-near-'))
  const dataDir = join(dir, 'server')
  try {
    const {dbFile} = await prepareDataDir(dataDir)
    await initServer(dataDir, ADMIN)
    let started = performance.now()
    seed(dbFile, dataDir, count)
    const seedSeconds = (performance.now() - started) / 1000

    // The server-side queries run here with the server's own GC settings (rtcc server start sets them).
    useServerGcFlags()
    const db = openDatabase(dbFile)
    if (process.env.REGISTRY_BENCH_MMAP) db.pragma(`mmap_size = ${Number(process.env.REGISTRY_BENCH_MMAP)}`)
    const mmapBytes = db.pragma('mmap_size', {simple: true}) as number
    started = performance.now()
    const index = cameraLocations(db)
    const indexBuildMs = performance.now() - started
    // An agency whose jurisdiction is the western half of the registry's square.
    const west = insertAgency(db, 'West PD', WEST)
    const scopes: [string, CameraScope][] = [['all', {kind: 'all'}], ['agency', {kind: 'agency', agency: west}]]
    const serverSide: Record<string, unknown> = {}
    for (const radius of RADII) {
      const hits: number[] = []
      serverSide[`${radius}m`] = {
        index: measure((point) => {
          const found = cameraLocations(db).within(point, radius)
          found.ranks(0, LIMIT)
          hits.push(found.count)
        }),
        camerasInRadius: Math.round(hits.reduce((a, b) => a + b, 0) / hits.length),
        ...Object.fromEntries(scopes.map(([name, scope]) => [`query${name === 'all' ? '' : 'Agency'}`, measure((point) => db.transaction(() => nearCameras(db, scope, {...point, radiusMetres: radius, limit: LIMIT}))())])),
      }
    }
    db.close()

    const server = await startServerProcess(dataDir, join(dir, 'config'))
    let api: Record<string, unknown>
    try {
      api = await apiFigures(server)
    } finally {
      await server.stop()
    }
    const postgresUrl = await benchPostgresUrl()
    const postgres = postgresUrl ? await postgresFigures(postgresUrl, count, dir) : undefined
    return {
      cameras: count,
      points: POINTS,
      limit: LIMIT,
      seedSeconds: Math.round(seedSeconds),
      indexBuildMs: Math.round(indexBuildMs),
      indexedPoints: index.size,
      serverSide,
      apiLatencyMs: api.latencyMs,
      apiRequestsPerSecond: api.requestsPerSecond,
      goalsP99Ms: {'300m': 0.5, '2000m': 5},
      referenceP99Ms: {kdTree: {'300m': 0.13, '2000m': 2.3}, rtreeJoined: {'300m': 0.8, '2000m': 32}},
      mmapBytes,
      loadAverage: Math.round(loadavg()[0]! * 100) / 100,
      cpus: cpus().length,
      ...(postgres ? {postgres} : {}),
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(process.argv[2] ? Number(process.argv[2]) : undefined), null, 2))
