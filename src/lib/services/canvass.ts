/**
 * A footage canvass: the registered cameras around an incident, grouped into one request per owner.
 * Cameras facing the incident come first; cameras that cannot have the footage (they do not record, or
 * their retention has already passed for the whole window) are left out and listed with the reason.
 */
import type {Camera} from '../domain/camera.js'
import type {RequestCamera, SkippedCamera} from '../domain/requests.js'
import {nearFacts} from '../registry/geo.js'
import type {CameraScope} from '../store/cameras.js'
import type {Store} from '../store/store.js'

export interface CanvassPlan {
  camerasInRange: number
  /** Owner id → that owner's cameras, best first. */
  byOwner: Map<string, RequestCamera[]>
  skipped: SkippedCamera[]
}

export interface CanvassQuery {
  latitude: number
  longitude: number
  radiusMetres: number
  from: string
  to: string
  types?: Camera['locationType'][]
  cameras?: string[]
}

const facingRank = (faces: boolean | null) => (faces === true ? 0 : faces === null ? 1 : 2)

export async function planCanvass(store: Pick<Store, 'cameras'>, scope: CameraScope, query: CanvassQuery, now: Date): Promise<CanvassPlan> {
  const point = {latitude: query.latitude, longitude: query.longitude}
  const found = await store.cameras.nearCameras(scope, {...point, radiusMetres: query.radiusMetres, limit: 100_000, type: query.types})
  const wanted = query.cameras ? new Set(query.cameras) : undefined
  const byOwner = new Map<string, RequestCamera[]>()
  const skipped: SkippedCamera[] = []
  const kept: {camera: Camera; entry: RequestCamera}[] = []
  for (const {camera} of found) {
    if (wanted && !wanted.has(camera.id)) continue
    const facts = nearFacts(point, camera, {when: query.to, now})
    const skip = (reason: string) => skipped.push({cameraId: camera.id, name: camera.name, ownerId: camera.ownerId, reason})
    if (!camera.records) skip('does not record')
    else if (Date.parse(query.from) > now.getTime()) skip('the window is in the future')
    else if (facts.footageRetained === false) skip(`retention of ${camera.retentionDays} days has passed for the whole window`)
    else kept.push({camera, entry: {cameraId: camera.id, name: camera.name, distanceMetres: Math.round(facts.distanceMetres * 10) / 10, facesIncident: facts.facesPoint}})
  }
  kept.sort((a, b) => facingRank(a.entry.facesIncident) - facingRank(b.entry.facesIncident) || a.entry.distanceMetres - b.entry.distanceMetres)
  for (const {camera, entry} of kept) {
    const list = byOwner.get(camera.ownerId) ?? []
    list.push(entry)
    byOwner.set(camera.ownerId, list)
  }
  return {camerasInRange: found.length, byOwner, skipped}
}
