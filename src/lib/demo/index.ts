/**
 * `rtcc demo`: the whole system on one machine. Starts the bundled server in a temporary data dir on
 * a free port, creates the people (admin, an investigator, two camera owners), seeds the registry,
 * starts simulated cameras for the shop, and plays the scenario through the real API. Everything it
 * starts is registered for cleanup as it starts, so stop() — or a failure half-way — removes the
 * temporary files and stops every server, camera and ffmpeg it began.
 */
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ApiClient} from '../client/api.js'
import type {RegistryStats} from '../client/registry.js'
import {clip} from '../media/clip.js'
import type {SimulatedCamera} from '../onvif/simulator/index.js'
import {type RunningServer, startServer} from '../server/app.js'
import {initServer} from '../server/init.js'
import {type Account, createInvestigator, dashboardToken, demoPassword, type DemoOwner, login, type OwnerPlan, signUpOwner} from './accounts.js'
import {fetchSnapshot, startDemoCameras} from './cameras.js'
import {CHICAGO_LOOP, type SeededSource, seedRegistry} from './registry.js'
import {type Incident, playScenario, type StepResult} from './scenario.js'

export type {StepResult} from './scenario.js'

export interface DemoOptions {
  version: string
  port?: number
  /** Generated cameras around Chicago, besides the city's own. */
  syntheticCameras?: number
  /** Simulated cameras at the shop (its live cameras). */
  simulatedCameras?: number
  log?: (line: string) => void
}

export interface DemoInfo {
  server: {url: string; fingerprint: string; dataDir: string}
  accounts: Account[]
  /** For `rtcc dashboard` in another terminal: RTCC_SERVER, RTCC_FINGERPRINT, RTCC_TOKEN. */
  dashboardEnv: Record<string, string>
  registry: {cameras: number; owners: number; sources: SeededSource[]; missing: string[]}
  simulatedCameras: {name: string; cameraId: string; rtspUrl: string; snapshotUrl: string}[]
  incident: Incident
}

export interface Demo {
  info: DemoInfo
  /** The investigator, as the dashboard sees the world (an API token: no idle timeout). */
  dashboardApi: ApiClient
  /** A frame from one of the shop's simulated cameras, or undefined for any other camera. */
  snapshot(cameraId: string): Promise<Buffer> | undefined
  play(options: {paceMs: number; signal?: AbortSignal; onStep?: (result: StepResult) => void}): Promise<StepResult[]>
  stop(): Promise<void>
}

const SHOP_AT = {latitude: 41.88232, longitude: -87.62838}
const CAMERA_SPOTS = [
  {name: 'Front door', dLat: 0, dLon: 0, viewDirection: 90, viewDescription: 'Entrance and the sidewalk on State St'},
  {name: 'Register', dLat: -0.00004, dLon: -0.00007, viewDirection: 270, viewDescription: 'Counter and register'},
  {name: 'Alley', dLat: 0.00008, dLon: -0.00012, viewDirection: 0, viewDescription: 'Alley behind the store, loading door'},
  {name: 'Side street', dLat: 0.00004, dLon: 0.00006, viewDirection: 180, viewDescription: 'Side street toward Madison'},
]

function shopPlan(count: number): OwnerPlan {
  return {
    username: 'marisol',
    profile: {displayName: 'Marisol Vega', organisation: "Marisol's Corner Store", email: 'marisol@corner-store.example', postalAddress: '12 W Madison St, Chicago, IL 60602'},
    cameras: CAMERA_SPOTS.slice(0, count).map((spot) => ({
      name: spot.name,
      latitude: SHOP_AT.latitude + spot.dLat,
      longitude: SHOP_AT.longitude + spot.dLon,
      locationType: 'business' as const,
      viewDirection: spot.viewDirection,
      viewDescription: spot.viewDescription,
    })),
  }
}

const RESIDENT: OwnerPlan = {
  username: 'ray',
  profile: {displayName: 'Ray Okafor', organisation: null, email: 'ray.okafor@example.com', postalAddress: '30 E Madison St, Chicago, IL 60602'},
  cameras: [{name: 'Doorbell', latitude: 41.88085, longitude: -87.62672, locationType: 'residence', viewDirection: 180, viewDescription: 'Front step and part of the sidewalk'}],
}

function incident(now = new Date()): Incident {
  const hour = 3_600_000
  return {
    caseId: `CPD-${now.getUTCFullYear()}-${String(now.getTime() % 1_000_000).padStart(6, '0')}`,
    ...CHICAGO_LOOP,
    radius: '300m',
    from: new Date(now.getTime() - 26 * hour).toISOString(),
    to: new Date(now.getTime() - 24 * hour).toISOString(),
    reason: 'Armed robbery at W Madison St & N State St yesterday evening; looking for the suspects\' route on foot.',
  }
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const log = options.log ?? (() => undefined)
  const cleanup: (() => Promise<unknown>)[] = []
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      for (const step of cleanup.reverse()) await step().catch(() => undefined)
    })())
  try {
    const root = await mkdtemp(join(tmpdir(), 'rtcc-demo-'))
    cleanup.push(() => rm(root, {recursive: true, force: true}))
    const dataDir = join(root, 'server')
    const admin: Account = {role: 'admin', username: 'admin', password: demoPassword()}
    await initServer(dataDir, admin)
    const server: RunningServer = await startServer({dataDir, port: options.port ?? 0, version: options.version})
    cleanup.push(() => closeServer(server))
    log(`server listening on ${server.url} (data in ${dataDir})`)

    const connection = {baseUrl: server.url, pin: {certPem: server.ctx.secrets.certPem, fingerprint: server.fingerprint}}
    const adminApi = await login(connection, admin.username, admin.password)
    const investigator = await createInvestigator(adminApi, 'ana')
    const investigatorApi = await login(connection, investigator.username, investigator.password)
    const token = await dashboardToken(investigatorApi, 12)
    const dashboardApi = new ApiClient({...connection, token})

    const sims = await startDemoCameras(options.simulatedCameras ?? 3, "Marisol's Corner Store")
    cleanup.push(() => sims.stop())
    log(`${sims.cameras.length} simulated cameras at ${sims.cameras[0]?.address ?? '?'}`)
    const shop = await signUpOwner(connection, shopPlan(Math.min(sims.cameras.length, CAMERA_SPOTS.length)))
    const resident = await signUpOwner(connection, RESIDENT)
    const simOf = new Map<string, SimulatedCamera>(shop.cameras.map((camera, i) => [camera.id, sims.cameras[i]!]))

    log('seeding the registry…')
    const seeded = await seedRegistry(adminApi, {syntheticCameras: options.syntheticCameras ?? 3000, scratchDir: root})
    const stats = await adminApi.get<RegistryStats>('/v1/registry/stats')
    log(`registry: ${stats.cameras} cameras of ${stats.owners} owners`)

    const clips = join(root, 'clips')
    const recordClip = async (cameraId: string) => {
      const sim = simOf.get(cameraId)
      if (!sim) throw new Error(`camera ${cameraId} is not one of the shop's simulated cameras`)
      await mkdir(clips, {recursive: true})
      const output = join(clips, `${cameraId}-${Date.now()}.mp4`)
      await clip(sim.streams[0]!.rtspUrl, {toSeconds: 3, output, timeoutMs: 30_000})
      return output
    }
    const theIncident = incident()
    const owners: DemoOwner[] = [shop, resident]
    const info: DemoInfo = {
      server: {url: server.url, fingerprint: server.fingerprint, dataDir},
      accounts: [admin, investigator, ...owners.map((o) => o.account)],
      dashboardEnv: {RTCC_SERVER: server.url, RTCC_FINGERPRINT: server.fingerprint, RTCC_TOKEN: token},
      registry: {cameras: stats.cameras, owners: stats.owners, ...seeded},
      simulatedCameras: shop.cameras.map((c) => ({name: c.name, cameraId: c.id, rtspUrl: simOf.get(c.id)!.streams[0]!.rtspUrl, snapshotUrl: simOf.get(c.id)!.snapshotUrl})),
      incident: theIncident,
    }
    return {
      info,
      dashboardApi,
      snapshot: (cameraId) => {
        const sim = simOf.get(cameraId)
        return sim ? fetchSnapshot(sim.snapshotUrl) : undefined
      },
      play: (play) => playScenario({investigator: investigatorApi, shop, resident, incident: theIncident, recordClip}, play),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * The server waits for open responses to finish before it closes, and an event stream (a dashboard
 * in another terminal) never finishes by itself: once it has stopped listening, drop what is left.
 */
async function closeServer(server: RunningServer): Promise<void> {
  const closing = server.close()
  server.app.server.closeAllConnections()
  await closing
}
