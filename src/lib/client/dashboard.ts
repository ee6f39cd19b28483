/**
 * Everything `rtcc dashboard` reads from the server, behind one small interface its hooks use: the
 * event stream (reconnecting, resuming with Last-Event-ID), who is logged in, footage requests, the
 * registered cameras around a point, and a still frame of a live stream (taken by the server from the
 * stream the Core relays).
 */
import type {WhoAmI} from '../domain/auth.js'
import type {RtccEvent} from '../domain/events.js'
import type {FootageRequest, RequestStatus} from '../domain/requests.js'
import type {StreamView} from '../domain/stream.js'
import type {ApiClient} from './api.js'
import type {FollowOptions} from './events.js'
import type {JsonClient} from './json-client.js'
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
  /** Live streams now, as the server lists them (the fields of `stream.started` data). */
  listStreams(): Promise<StreamView[]>
  nearby(at: {latitude: number; longitude: number}, radiusMetres: number): Promise<NearbyCamera[]>
  /** One JPEG frame of the camera's live stream. */
  snapshot(cameraId: string): Promise<Buffer>
}

/** The most requests the Requests pane loads at start; events keep it current after that. */
export const REQUEST_LOAD_LIMIT = 10_000
const NEARBY_LIMIT = 500

/**
 * The source over a lean JSON client: the event stream and snapshots need got, loaded only once the
 * first frame is drawn (with the full client for the same server and credentials).
 */
export function apiDashboardSource(api: JsonClient): DashboardSource {
  let full: Promise<ApiClient> | undefined
  const fullClient = () => (full ??= import('./api.js').then(({ApiClient}) => ApiClient.from(api)))
  return {
    server: new URL(api.options.baseUrl).host,
    follow: async function* (options) {
      const [{followEvents}, client] = await Promise.all([import('./events.js'), fullClient()])
      yield* followEvents(client, options)
    },
    whoami: async () => {
      const me = await api.get<WhoAmI>('/v1/auth/whoami')
      return {username: me.user.username, role: me.role}
    },
    listRequests: async () => {
      const list = await api.get<FootageRequest[]>('/v1/requests', {limit: REQUEST_LOAD_LIMIT})
      return list.map((r) => ({id: r.id, caseId: r.caseId, status: r.status, updatedAt: r.updatedAt}))
    },
    listStreams: () => api.get<StreamView[]>('/v1/streams'),
    nearby: async (at, radiusMetres) => {
      const result = await api.get<NearResult>('/v1/registry/near', {at: `${at.latitude},${at.longitude}`, radius: `${Math.round(radiusMetres)}m`, limit: NEARBY_LIMIT})
      return result.cameras.map(({camera, distanceMetres}) => ({id: camera.id, name: camera.name, latitude: camera.latitude, longitude: camera.longitude, distanceMetres}))
    },
    snapshot: async (cameraId) => {
      const [{streamSnapshot}, client] = await Promise.all([import('./streams.js'), fullClient()])
      return streamSnapshot(client, cameraId)
    },
  }
}
