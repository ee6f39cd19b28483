/**
 * Radius search over 1,000,000 cameras (scattered over a 60 km square around Chicago, as the import
 * benchmark's file is), 1000 random points, 300 m and 2 km, the API's default limit of 100:
 *  - index: the in-memory grid search, jurisdiction test and ranking alone (what an in-memory kd-tree
 *    figure measures: 0.13 ms p99 at 300 m, 2.3 ms at 2 km);
 *  - query: the store's nearCameras inside a transaction as the route runs it, rows read back from
 *    SQLite and the stale-entry check included (an R*Tree joined back to the table: 0.8 ms, 32 ms);
 *    for the whole registry and for an agency whose jurisdiction is half of it;
 *  - api: `GET /v1/registry/near` end to end against `rtcc server start` (TLS, auth, audit record).
 * Wall-clock and CPU-time percentiles are both reported: on a shared machine the CPU time is the
 * steadier measure of the work itself. REGISTRY_BENCH_MMAP=BYTES measures the server-side queries
 * with SQLite memory-mapped reads. Needs a built dist/. Run: `npx tsx bench/registry-near.ts`.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ApiClient} from '../src/lib/client/api.js'
import {fetchCertificate} from '../src/lib/client/pinning.js'
import type {SessionView} from '../src/lib/domain/auth.js'
import {type CameraInput, LOCATION_TYPES} from '../src/lib/domain/camera.js'
import {initServer} from '../src/lib/server/init.js'
import {prepareDataDir} from '../src/lib/server/data-dir.js'
import {insertAgency} from '../src/lib/store/agencies.js'
import {cameraLocations} from '../src/lib/store/camera-locations.js'
import {type CameraScope, nearCameras} from '../src/lib/store/cameras.js'
import {openDatabase} from '../src/lib/store/db.js'
import {applyStaged, ImportStaging, resolveStagedOwners, withStaging} from '../src/lib/store/registry-import.js'
import {startServerProcess} from './registry-import.js'
import {random} from '../src/lib/registry/synthetic.js'

const CENTER = {latitude: 41.8781, longitude: -87.6298}
const SPREAD_DEGREES = 30_000 / 111_195
const LON_SCALE = 1 / Math.cos((CENTER.latitude * Math.PI) / 180)
const POINTS = 1000
const RADII = [300, 2000]
const LIMIT = 100


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
  const staging = new ImportStaging(dataDir)
  const next = random(42)
  for (let i = 1; i <= count; i++) staging.add(i + 1, camera(i, next))
  staging.close()
  withStaging(db, staging.file, () => {
    resolveStagedOwners(db)
    db.transaction(() => applyStaged(db, {onConflict: 'update', now: new Date().toISOString(), sources: staging.stagedSources}))()
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

export async function run(count = Number(process.env.REGISTRY_BENCH_ROWS ?? 1_000_000)): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-near-'))
  const dataDir = join(dir, 'server')
  try {
    const {dbFile} = await prepareDataDir(dataDir)
    await initServer(dataDir, {username: 'chief', password: 'Import-Bench-Passphrase-1'})
    let started = performance.now()
    seed(dbFile, dataDir, count)
    const seedSeconds = (performance.now() - started) / 1000

    const db = openDatabase(dbFile)
    if (process.env.REGISTRY_BENCH_MMAP) db.pragma(`mmap_size = ${Number(process.env.REGISTRY_BENCH_MMAP)}`)
    started = performance.now()
    const index = cameraLocations(db)
    const indexBuildMs = performance.now() - started
    // An agency whose jurisdiction is the western half of the registry's square.
    const west = insertAgency(db, 'West PD', {
      type: 'Polygon',
      coordinates: [[[-88.2, 41.5], [CENTER.longitude, 41.5], [CENTER.longitude, 42.3], [-88.2, 42.3], [-88.2, 41.5]]],
    })
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
    const api: Record<string, unknown> = {}
    try {
      const {pem, fingerprint} = await fetchCertificate(server.url)
      const pin = {certPem: pem, fingerprint}
      const session = await new ApiClient({baseUrl: server.url, pin}).post<SessionView>('/v1/auth/login', server.admin)
      const client = new ApiClient({baseUrl: server.url, pin, token: session.token})
      started = performance.now()
      await client.get('/v1/registry/near', {at: `${CENTER.latitude},${CENTER.longitude}`, radius: '300m'})
      api.firstQueryMs = Math.round(performance.now() - started)
      for (const radius of RADII) {
        const latencies: number[] = []
        for (const point of points()) {
          const t = performance.now()
          await client.get('/v1/registry/near', {at: `${point.latitude},${point.longitude}`, radius: `${radius}m`, limit: LIMIT})
          latencies.push(performance.now() - t)
        }
        api[`${radius}m`] = percentiles(latencies)
      }
    } finally {
      await server.stop()
    }
    return {
      cameras: count,
      points: POINTS,
      limit: LIMIT,
      seedSeconds: Math.round(seedSeconds),
      indexBuildMs: Math.round(indexBuildMs),
      indexedPoints: index.size,
      serverSide,
      apiLatencyMs: api,
      goalsP99Ms: {'300m': 0.5, '2000m': 5},
      referenceP99Ms: {kdTree: {'300m': 0.13, '2000m': 2.3}, rtreeJoined: {'300m': 0.8, '2000m': 32}},
      mmapBytes: Number(process.env.REGISTRY_BENCH_MMAP ?? 0),
      loadAverage: Math.round(loadavg()[0]! * 100) / 100,
      cpus: cpus().length,
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(process.argv[2] ? Number(process.argv[2]) : undefined), null, 2))
