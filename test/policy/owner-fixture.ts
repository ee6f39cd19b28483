/** Owners with cameras, a private rtcc config folder and an event recorder, for owner-control tests. */
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {ApiClient} from '../../src/lib/client/api.js'
import type {Camera} from '../../src/lib/domain/camera.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import type {TestServer} from '../helpers/server.js'

export const OWNER_PASSWORD = 'Owner-Passphrase-Long-9'

/** Points the client's config folder (where owner keys live) at a fresh temp dir. */
export function useTempConfigDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-owner-config-'))
  process.env.RTCC_CONFIG_DIR = dir
  return dir
}

export interface CameraSpec {
  name: string
  latitude: number
  longitude: number
  address?: string
}

/** Signs up an owner (organisation = site name) and registers their cameras through the owner's session. */
export async function ownerWithCameras(t: TestServer, username: string, site: string, cameras: CameraSpec[]): Promise<{api: ApiClient; ownerId: string; cameras: Camera[]}> {
  const signup = await t.anonymous().post<{owner: {id: string}}>('/v1/owners/signup', {
    username,
    password: OWNER_PASSWORD,
    profile: {displayName: `${site} owner`, organisation: site, email: `${username}@example.org`},
  })
  const api = await t.login(username, OWNER_PASSWORD)
  const made: Camera[] = []
  for (const c of cameras) {
    made.push(
      await api.post<Camera>('/v1/cameras', {
        name: c.name, latitude: c.latitude, longitude: c.longitude, address: c.address ?? null, locationType: 'business', make: null, model: null,
        viewDescription: null, viewDirection: null, fieldOfView: null, records: true, retentionDays: 30, liveCapable: true, tags: [],
      }),
    )
  }
  return {api, ownerId: signup.owner.id, cameras: made}
}

/**
 * Records what the server's event hub publishes (every dashboard receives these). Events are stored
 * and delivered after the change commits: stop() waits for those already published.
 */
export function recordEvents(t: TestServer): {events: RtccEvent[]; of(type: string): RtccEvent[]; stop(): Promise<void>} {
  const events: RtccEvent[] = []
  const unsubscribe = t.server.ctx.events.subscribe((e) => events.push(e))
  const stop = async () => {
    await t.server.ctx.events.drain()
    unsubscribe()
  }
  return {events, of: (type) => events.filter((e) => e.type === type), stop}
}

/** A Chicago agency whose jurisdiction covers the test cameras. */
export async function chicagoAgency(t: TestServer): Promise<string> {
  const ring = [[-87.75, 41.8], [-87.55, 41.8], [-87.55, 42.0], [-87.75, 42.0], [-87.75, 41.8]]
  await t.admin.post('/v1/agencies', {name: 'Chicago PD', jurisdiction: {type: 'Polygon', coordinates: [ring]}})
  return 'Chicago PD'
}
