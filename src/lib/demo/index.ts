/**
 * `rtcc demo`: the whole system on one machine. Starts the bundled server in a temporary data dir on
 * a free port, creates the people (admin, an investigator, two camera owners), puts the shop's
 * simulated cameras behind a provisioned Core, seeds the registry, and plays the scenario through the
 * real API. Everything it starts is registered for cleanup as it starts, so stop() — or a failure
 * half-way — stops every server, Core, camera, viewer and ffmpeg it began and removes its files.
 */
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import type {IncomingMessage} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ApiClient} from '../client/api.js'
import type {RegistryStats} from '../domain/camera.js'
import {leaveStream, openStream, watch} from '../client/streams.js'
import {clip} from '../media/clip.js'
import {type RunningServer, startServer} from '../server/app.js'
import {initServer} from '../server/init.js'
import {type Account, createInvestigator, dashboardToken, demoPassword, login, type OwnerPlan, signUpOwner} from './accounts.js'
import {startDemoCameras} from './cameras.js'
import {CHICAGO_LOOP, type SeededSource, seedRegistry} from './registry.js'
import {type Incident, playScenario, type StepResult} from './scenario.js'
import {SHOP, SHOP_CAMERAS, type ShopCamera, startShopSite} from './site.js'

export type {StepResult} from './scenario.js'

export interface DemoOptions {
  version: string
  port?: number
  /** Generated cameras around Chicago, besides the city's own. */
  syntheticCameras?: number
  /** Simulated cameras at the shop, behind its Core (2 to 4). */
  simulatedCameras?: number
  log?: (line: string) => void
}

export interface DemoInfo {
  server: {url: string; fingerprint: string; dataDir: string}
  accounts: Account[]
  /** For `rtcc dashboard` in another terminal: RTCC_SERVER, RTCC_FINGERPRINT, RTCC_TOKEN. */
  dashboardEnv: Record<string, string>
  registry: {cameras: number; owners: number; sources: SeededSource[]; missing: string[]}
  core: {id: string; cameras: {id: string; name: string; live: string; rtspUrl: string}[]}
  incident: Incident
}

export interface Demo {
  info: DemoInfo
  /** The investigator, as the dashboard sees the world (an API token: no idle timeout). */
  dashboardApi: ApiClient
  play(options: {paceMs: number; signal?: AbortSignal; onStep?: (result: StepResult) => void}): Promise<StepResult[]>
  stop(): Promise<void>
}

const SHOP_OWNER: OwnerPlan = {
  username: 'marisol',
  profile: {displayName: 'Marisol Vega', organisation: SHOP.name, email: 'marisol@corner-store.example', postalAddress: SHOP.site.address},
  cameras: [],
}

const RESIDENT: OwnerPlan = {
  username: 'ray',
  profile: {displayName: 'Ray Okafor', organisation: null, email: 'ray.okafor@example.com', postalAddress: '30 E Madison St, Chicago, IL 60602'},
  cameras: [{name: 'Doorbell', latitude: 41.88085, longitude: -87.62672, locationType: 'residence', viewDirection: 180, viewDescription: 'Front step and part of the sidewalk'}],
}

/** What the shop's owner says about the cameras the Core registered: they record, 30 days. */
const SHOP_CAMERA_DETAILS: Record<string, {viewDirection: number; viewDescription: string}> = {
  'Front door': {viewDirection: 90, viewDescription: 'Entrance and the sidewalk on State St'},
  Register: {viewDirection: 270, viewDescription: 'Counter and register'},
  Alley: {viewDirection: 0, viewDescription: 'Alley behind the store, loading door'},
  'Side street': {viewDirection: 180, viewDescription: 'Side street toward Madison'},
}

function incident(now = new Date()): Incident {
  const hour = 3_600_000
  return {
    caseId: `CPD-${now.getUTCFullYear()}-${String(now.getTime() % 1_000_000).padStart(6, '0')}`,
    ...CHICAGO_LOOP,
    radius: '300m',
    from: new Date(now.getTime() - 26 * hour).toISOString(),
    to: new Date(now.getTime() - 24 * hour).toISOString(),
    reason: "Armed robbery at W Madison St & N State St yesterday evening; looking for the suspects' route on foot.",
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
    // Owner signing keys live in the rtcc config folder: the demo's owners get a temporary one.
    const configDir = process.env.RTCC_CONFIG_DIR
    process.env.RTCC_CONFIG_DIR = join(root, 'config')
    cleanup.push(async () => {
      if (configDir === undefined) delete process.env.RTCC_CONFIG_DIR
      else process.env.RTCC_CONFIG_DIR = configDir
    })

    const dataDir = join(root, 'server')
    const admin: Account = {role: 'admin', username: 'admin', password: demoPassword()}
    await initServer(dataDir, admin)
    const server: RunningServer = await startServer({dataDir, port: options.port ?? 0, version: options.version})
    cleanup.push(() => closeServer(server))
    log(`server listening on ${server.url} (data in ${dataDir})`)

    const pin = {certPem: server.ctx.secrets.certPem, fingerprint: server.fingerprint}
    const connection = {baseUrl: server.url, pin}
    const adminApi = await login(connection, admin.username, admin.password)
    const investigator = await createInvestigator(adminApi, 'ana')
    const investigatorApi = await login(connection, investigator.username, investigator.password)
    const token = await dashboardToken(investigatorApi, 12)
    const dashboardApi = new ApiClient({...connection, token})

    const shop = await signUpOwner(connection, SHOP_OWNER)
    const resident = await signUpOwner(connection, RESIDENT)
    const count = Math.min(Math.max(options.simulatedCameras ?? 3, 2), SHOP_CAMERAS.length)
    const sims = await startDemoCameras(count, SHOP.name)
    cleanup.push(() => sims.stop())
    const site = await startShopSite({admin: adminApi, ownerId: shop.ownerId, sims, server: {url: server.url, fingerprint: server.fingerprint}, dir: join(root, 'core'), version: options.version})
    cleanup.push(() => site.agent.stop())
    for (const camera of site.cameras) await shop.api.patch(`/v1/cameras/${camera.id}`, {records: true, retentionDays: 30, ...SHOP_CAMERA_DETAILS[camera.name]})
    log(`the shop's Core is online with ${site.cameras.length} simulated cameras (${site.cameras.map((c) => `${c.name}: ${c.live}`).join(', ')})`)

    log('seeding the registry…')
    const seeded = await seedRegistry(adminApi, {syntheticCameras: options.syntheticCameras ?? 3000, scratchDir: root})
    const stats = await adminApi.get<RegistryStats>('/v1/registry/stats')
    log(`registry: ${stats.cameras} cameras of ${stats.owners} owners`)

    const cameraOf = (id: string): ShopCamera => {
      const camera = site.cameras.find((c) => c.id === id)
      if (!camera) throw new Error(`camera ${id} is not one of the shop's`)
      return camera
    }
    const clips = join(root, 'clips')
    const recordClip = async (cameraId: string) => {
      await mkdir(clips, {recursive: true})
      const output = join(clips, `${cameraId}-${Date.now()}.mp4`)
      // The owner exports from their own recorder: here, straight from the camera.
      await clip(cameraOf(cameraId).rtspUrl, {toSeconds: 3, output, timeoutMs: 30_000})
      return output
    }
    const viewers: {response: IncomingMessage; leave: () => Promise<void>}[] = []
    cleanup.push(async () => {
      for (const viewer of viewers.splice(0)) {
        viewer.response.destroy()
        await viewer.leave()
      }
    })
    const watchLive = async (cameraId: string) => {
      const grant = await openStream(investigatorApi, cameraId, {urlSeconds: 3600})
      const response = await watch(grant.url, pin)
      response.resume()
      viewers.push({response, leave: () => leaveStream(investigatorApi, grant)})
      return grant
    }

    const theIncident = incident()
    const info: DemoInfo = {
      server: {url: server.url, fingerprint: server.fingerprint, dataDir},
      accounts: [admin, investigator, shop.account, resident.account],
      dashboardEnv: {RTCC_SERVER: server.url, RTCC_FINGERPRINT: server.fingerprint, RTCC_TOKEN: token},
      registry: {cameras: stats.cameras, owners: stats.owners, ...seeded},
      core: {id: site.coreId, cameras: site.cameras},
      incident: theIncident,
    }
    return {
      info,
      dashboardApi,
      play: (play) => playScenario({investigator: investigatorApi, shop: {...shop, cameras: site.cameras}, resident, incident: theIncident, recordClip, watchLive}, play),
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
