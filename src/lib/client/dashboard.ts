/**
 * Everything `rtcc dashboard` reads from the server, behind one small interface its hooks use: the
 * event stream (reconnecting, resuming with Last-Event-ID), who is logged in, footage requests, the
 * registered cameras around a point, and a still frame of a live stream. The demo passes its own
 * snapshot function for its simulated cameras.
 */
import type {WhoAmI} from '../domain/auth.js'
import type {RtccEvent} from '../domain/events.js'
import type {FootageRequest, RequestStatus} from '../domain/requests.js'
import {CliError} from '../output/errors.js'
import {type ApiClient, httpError} from './api.js'
import {followEvents, type FollowOptions} from './events.js'
import type {NearResult} from './registry.js'

export interface RequestRow {
  id: string
  caseId: string
  status: RequestStatus
  updatedAt: string
}

export interface NearbyCamera {
  id: string
  name: string
  latitude: number
  longitude: number
  distanceMetres: number
}

export interface DashboardSource {
  /** The server's origin, for the status bar. */
  server: string
  follow(options: FollowOptions): AsyncIterable<RtccEvent>
  whoami(): Promise<{username: string; role: string}>
  listRequests(): Promise<RequestRow[]>
  /** Live streams now, as the server lists them (field names as in `stream.started` data). */
  listStreams(): Promise<Record<string, unknown>[]>
  nearby(at: {latitude: number; longitude: number}, radiusMetres: number): Promise<NearbyCamera[]>
  /** One JPEG frame of the camera's live stream. */
  snapshot(cameraId: string): Promise<Buffer>
}

/** The most requests the Requests pane loads at start; events keep it current after that. */
export const REQUEST_LOAD_LIMIT = 10_000
const NEARBY_LIMIT = 500

export async function streamSnapshot(api: ApiClient, cameraId: string): Promise<Buffer> {
  const path = `v1/streams/${encodeURIComponent(cameraId)}/snapshot`
  let response
  try {
    response = await api.http.get(path, {responseType: 'buffer', timeout: {request: 10_000}})
  } catch (error) {
    throw await api.networkError(error)
  }
  if (response.statusCode >= 400) {
    let body
    try {
      body = JSON.parse(response.body.toString('utf8'))
    } catch {
      body = undefined
    }
    throw httpError(response.statusCode, body, `GET /${path}`)
  }
  if (response.body[0] !== 0xff || response.body[1] !== 0xd8) throw new CliError(`the server's snapshot of ${cameraId} is not a JPEG`, {where: `GET /${path}`})
  return response.body
}

export function apiDashboardSource(api: ApiClient, overrides: Partial<Pick<DashboardSource, 'snapshot'>> = {}): DashboardSource {
  return {
    server: new URL(api.options.baseUrl).host,
    follow: (options) => followEvents(api, options),
    whoami: async () => {
      const me = await api.get<WhoAmI>('/v1/auth/whoami')
      return {username: me.user.username, role: me.role}
    },
    listRequests: async () => {
      const list = await api.get<FootageRequest[]>('/v1/requests', {limit: REQUEST_LOAD_LIMIT})
      return list.map((r) => ({id: r.id, caseId: r.caseId, status: r.status, updatedAt: r.updatedAt}))
    },
    listStreams: () => api.get<Record<string, unknown>[]>('/v1/streams'),
    nearby: async (at, radiusMetres) => {
      const result = await api.get<NearResult>('/v1/registry/near', {at: `${at.latitude},${at.longitude}`, radius: `${Math.round(radiusMetres)}m`, limit: NEARBY_LIMIT})
      return result.cameras.map(({camera, distanceMetres}) => ({id: camera.id, name: camera.name, latitude: camera.latitude, longitude: camera.longitude, distanceMetres}))
    },
    snapshot: overrides.snapshot ?? ((cameraId) => streamSnapshot(api, cameraId)),
  }
}
