/**
 * The shop's site: its simulated cameras behind a Core, provisioned with an enrolment code as an
 * installer would (which registers the cameras as the owner's live-capable cameras) and run in this
 * process. Each camera starts with its own live-sharing policy, so the scenario shows all three ways
 * video can be shared: always, during the owner's panic, and within a window the owner approved.
 */
import {setTimeout as sleep} from 'node:timers/promises'

import type {ApiClient} from '../client/api.js'
import {createEnrollCode} from '../client/cores.js'
import {loadOwnerKey} from '../client/policy-key.js'
import {type CoreAgent, startCoreAgent} from '../core/agent.js'
import {provisionCore} from '../core/provision.js'
import type {SharingMode} from '../domain/policy.js'
import type {SimulatorHandle} from '../onvif/simulator/index.js'
import {RtccError} from '../errors.js'

export const SHOP = {
  name: "Marisol's Corner Store",
  site: {latitude: 41.88232, longitude: -87.62838, address: '12 W Madison St, Chicago, IL 60602', locationType: 'business' as const},
}

/** The cameras in the order the simulators start them, and how each shares live video. */
export const SHOP_CAMERAS: {name: string; live: SharingMode}[] = [
  {name: 'Front door', live: 'emergency'},
  {name: 'Register', live: 'approval'},
  {name: 'Alley', live: 'always'},
  {name: 'Side street', live: 'never'},
]

export interface ShopCamera {
  id: string
  name: string
  live: SharingMode
  rtspUrl: string
}

export interface Site {
  coreId: string
  cameras: ShopCamera[]
  agent: CoreAgent
}

const ONLINE_TIMEOUT_MS = 20_000

export async function startShopSite(options: {admin: ApiClient; ownerId: string; sims: SimulatorHandle; server: {url: string; fingerprint: string}; dir: string; version: string}): Promise<Site> {
  const {code} = await createEnrollCode(options.admin, options.ownerId, 3600)
  const planned = options.sims.cameras.map((sim, i) => ({
    address: sim.address,
    name: SHOP_CAMERAS[i]!.name,
    rtspUrl: sim.streams[0]!.rtspUrl,
    deviceServiceUrl: sim.deviceServiceUrl,
    make: sim.manufacturer,
    model: sim.model,
    credentials: null,
    live: SHOP_CAMERAS[i]!.live,
    recorded: 'approval' as const,
  }))
  // The key id the owner reads from their own computer (the demo's config folder holds their key).
  const ownerKeyId = loadOwnerKey(options.ownerId)?.keyId
  const core = await provisionCore({server: options.server.url, code, dir: options.dir, name: SHOP.name, site: SHOP.site, cameras: planned, fingerprint: options.server.fingerprint, ownerKeyId, version: options.version})
  const agent = startCoreAgent({dir: options.dir, version: options.version, recheckMs: 1000, backoff: {baseMs: 250, maxMs: 2000}})
  const deadline = Date.now() + ONLINE_TIMEOUT_MS
  while (agent.linkState !== 'online') {
    if (Date.now() > deadline) {
      await agent.stop()
      throw new RtccError(`the shop's Core did not come online within ${ONLINE_TIMEOUT_MS / 1000} s (link ${agent.linkState})`, {code: 'core_offline'})
    }
    await sleep(50)
  }
  return {coreId: core.coreId, cameras: core.cameras.map((c, i) => ({id: c.id, name: c.name, live: planned[i]!.live, rtspUrl: planned[i]!.rtspUrl})), agent}
}
