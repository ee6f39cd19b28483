/**
 * Geometry for radius search and jurisdictions, on a spherical Earth (mean radius 6,371,008.8 m).
 * Haversine rather than an ellipsoidal geodesic: at the 300 m – 2 km radii of `registry near` the
 * sphere is within 0.5% of the ellipsoid (metres at most), every index pre-filter (bounding box,
 * kd-tree) can be proven against the same formula, and the issue's reference ("equal to a
 * brute-force haversine scan") is this function. Point-in-polygon treats lon/lat as planar, which is
 * how GeoJSON jurisdictions are drawn; polygons crossing the antimeridian are not supported.
 */
import {z} from 'zod'

import {RtccError, usageError} from '../errors.js'

export interface LatLon {
  latitude: number
  longitude: number
}

export const EARTH_RADIUS_M = 6_371_008.8
const RAD = Math.PI / 180
const DAY_MS = 86_400_000

export function distanceMetres(a: LatLon, b: LatLon): number {
  const dLat = (b.latitude - a.latitude) * RAD
  const dLon = (b.longitude - a.longitude) * RAD
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * RAD) * Math.cos(b.latitude * RAD) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Initial great-circle bearing from `from` to `to`, degrees clockwise from north in [0, 360). */
export function bearingDegrees(from: LatLon, to: LatLon): number {
  const φ1 = from.latitude * RAD
  const φ2 = to.latitude * RAD
  const Δλ = (to.longitude - from.longitude) * RAD
  const y = Math.sin(Δλ) * Math.cos(φ2)
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ)
  return ((Math.atan2(y, x) / RAD) % 360 + 360) % 360
}

/** The smaller angle between two bearings, 0..180, across the 0/360 seam. */
export function angleBetween(a: number, b: number): number {
  const d = Math.abs((((a - b) % 360) + 360) % 360)
  return d > 180 ? 360 - d : d
}

export interface ViewCone {
  viewDirection: number | null
  fieldOfView: number | null
}

/**
 * Whether a camera's view cone (direction ± field of view / 2) covers a bearing from the camera.
 * Null when the camera's direction or field of view is unknown: we cannot say.
 */
export function coversBearing(camera: ViewCone, bearingFromCamera: number): boolean | null {
  if (camera.viewDirection === null || camera.fieldOfView === null) return null
  if (camera.fieldOfView >= 360) return true
  return angleBetween(camera.viewDirection, bearingFromCamera) <= camera.fieldOfView / 2 + 1e-9
}

/** Whether a camera at `cameraAt` looks toward `point`. A point on top of the camera counts as seen. */
export function facesPoint(camera: ViewCone & LatLon, point: LatLon): boolean | null {
  if (distanceMetres(camera, point) < 0.01) return camera.viewDirection === null || camera.fieldOfView === null ? null : true
  return coversBearing(camera, bearingDegrees(camera, point))
}

export interface BoundingBox {
  minLatitude: number
  maxLatitude: number
  minLongitude: number
  maxLongitude: number
}

/**
 * Boxes that contain every point within `radiusMetres` of `center` (an index pre-filter; confirm with
 * distanceMetres). Exact for the sphere (J. P. Matuschek's method), padded by ~1 cm for rounding.
 * Two boxes when the circle crosses the antimeridian; full longitude range when it reaches a pole.
 */
export function boundingBoxes(center: LatLon, radiusMetres: number): BoundingBox[] {
  const pad = 1e-7
  const angular = radiusMetres / EARTH_RADIUS_M / RAD
  const minLatitude = center.latitude - angular - pad
  const maxLatitude = center.latitude + angular + pad
  if (minLatitude <= -90 || maxLatitude >= 90 || angular >= 180) {
    return [{minLatitude: Math.max(minLatitude, -90), maxLatitude: Math.min(maxLatitude, 90), minLongitude: -180, maxLongitude: 180}]
  }
  const dLon = Math.asin(Math.min(1, Math.sin(angular * RAD) / Math.cos(center.latitude * RAD))) / RAD + pad
  const west = center.longitude - dLon
  const east = center.longitude + dLon
  if (west < -180) {
    return [
      {minLatitude, maxLatitude, minLongitude: west + 360, maxLongitude: 180},
      {minLatitude, maxLatitude, minLongitude: -180, maxLongitude: east},
    ]
  }
  if (east > 180) {
    return [
      {minLatitude, maxLatitude, minLongitude: west, maxLongitude: 180},
      {minLatitude, maxLatitude, minLongitude: -180, maxLongitude: east - 360},
    ]
  }
  return [{minLatitude, maxLatitude, minLongitude: west, maxLongitude: east}]
}

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number())
const Ring = z.array(Position).min(4, 'a ring needs at least 4 positions (the first repeated last)')
const PolygonCoordinates = z.array(Ring).min(1, 'a polygon needs an outer ring')
export const AreaGeometry = z.discriminatedUnion('type', [
  z.object({type: z.literal('Polygon'), coordinates: PolygonCoordinates}),
  z.object({type: z.literal('MultiPolygon'), coordinates: z.array(PolygonCoordinates).min(1)}),
])
export type AreaGeometry = z.infer<typeof AreaGeometry>
type PolygonCoordinates = z.infer<typeof PolygonCoordinates>

/**
 * A jurisdiction from a GeoJSON document: a Polygon or MultiPolygon geometry, a Feature holding one,
 * or a FeatureCollection of them (merged into one MultiPolygon).
 */
export function parseArea(json: unknown, where = 'area'): AreaGeometry {
  const polygons: PolygonCoordinates[] = []
  const collect = (value: unknown, path: string): void => {
    const object = value as {type?: unknown; geometry?: unknown; features?: unknown}
    if (object?.type === 'FeatureCollection' && Array.isArray(object.features)) {
      object.features.forEach((feature, i) => collect(feature, `${path}.features[${i}]`))
      return
    }
    if (object?.type === 'Feature') return collect(object.geometry, `${path}.geometry`)
    const parsed = AreaGeometry.safeParse(value)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new RtccError(`${where}: ${[path, ...issue.path].join('.')}: ${issue.message}`, {
        code: 'invalid_area',
        exitCode: 2,
        where,
        hint: 'A jurisdiction is GeoJSON: a Polygon or MultiPolygon (or a Feature / FeatureCollection of them) with [longitude, latitude] positions.',
      })
    }
    if (parsed.data.type === 'Polygon') polygons.push(parsed.data.coordinates)
    else polygons.push(...parsed.data.coordinates)
  }
  collect(json, '$')
  if (polygons.length === 0) throw new RtccError(`${where}: no polygons found`, {code: 'invalid_area', exitCode: 2, where})
  return polygons.length === 1 ? {type: 'Polygon', coordinates: polygons[0]!} : {type: 'MultiPolygon', coordinates: polygons}
}

type Ring2 = readonly (readonly number[])[]

function onSegment(x: number, y: number, a: readonly number[], b: readonly number[]): boolean {
  const [ax, ay] = a as [number, number]
  const [bx, by] = b as [number, number]
  const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
  if (Math.abs(cross) > 1e-12 * Math.max(1, Math.abs(bx - ax) + Math.abs(by - ay))) return false
  return x >= Math.min(ax, bx) && x <= Math.max(ax, bx) && y >= Math.min(ay, by) && y <= Math.max(ay, by)
}

/** Even-odd ray casting over all rings, so holes fall out; a point on an edge counts as inside. */
function inPolygon(x: number, y: number, rings: readonly Ring2[]): boolean {
  let inside = false
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i]!
      const b = ring[j]!
      if (onSegment(x, y, a, b)) return true
      if (a[1]! > y !== b[1]! > y && x < ((b[0]! - a[0]!) * (y - a[1]!)) / (b[1]! - a[1]!) + a[0]!) inside = !inside
    }
  }
  return inside
}

function polygonsOf(area: AreaGeometry): PolygonCoordinates[] {
  return area.type === 'Polygon' ? [area.coordinates] : area.coordinates
}

function ringBox(positions: Ring2): BoundingBox {
  const box = {minLatitude: Infinity, maxLatitude: -Infinity, minLongitude: Infinity, maxLongitude: -Infinity}
  for (const [x, y] of positions as [number, number][]) {
    box.minLongitude = Math.min(box.minLongitude, x)
    box.maxLongitude = Math.max(box.maxLongitude, x)
    box.minLatitude = Math.min(box.minLatitude, y)
    box.maxLatitude = Math.max(box.maxLatitude, y)
  }
  return box
}

export function inBox(latitude: number, longitude: number, box: BoundingBox): boolean {
  return latitude >= box.minLatitude && latitude <= box.maxLatitude && longitude >= box.minLongitude && longitude <= box.maxLongitude
}

/** A fast membership test for one area: per-polygon bounding boxes reject most points before ray casting. */
export function compileArea(area: AreaGeometry): (point: LatLon) => boolean {
  const polygons = polygonsOf(area).map((rings) => ({rings, box: ringBox(rings[0]!)}))
  return ({latitude, longitude}) =>
    polygons.some(({rings, box}) => inBox(latitude, longitude, box) && inPolygon(longitude, latitude, rings))
}

/** The bounding box of an area, for an indexed pre-filter before compileArea's exact test. */
export function areaBoundingBox(area: AreaGeometry): BoundingBox {
  return ringBox(polygonsOf(area).flatMap((rings) => rings[0]!))
}

export interface Retention {
  records: boolean
  retentionDays: number | null
}

/**
 * Whether footage from `when` should still exist: the camera records and `when` lies within its
 * retention window before `now`. Null when it records but the retention is unknown.
 */
export function retentionCovers(camera: Retention, when: string, now: Date = new Date()): boolean | null {
  const at = Date.parse(when)
  if (Number.isNaN(at)) throw usageError(`when: "${when}" is not a time`, 'Use ISO-8601, e.g. 2026-11-01T14:30:00Z.')
  if (!camera.records) return false
  if (at > now.getTime()) return false
  if (camera.retentionDays === null) return null
  return now.getTime() - at <= camera.retentionDays * DAY_MS
}

export interface NearFacts {
  distanceMetres: number
  /** From the search point to the camera, degrees clockwise from north. */
  bearingFromPoint: number
  facesPoint: boolean | null
  /** Only with `when`. */
  footageRetained?: boolean | null
}

/** Everything `registry near` says about one camera relative to the search point. */
export function nearFacts(point: LatLon, camera: LatLon & ViewCone & Retention, options: {when?: string; now?: Date} = {}): NearFacts {
  const facts: NearFacts = {
    distanceMetres: distanceMetres(point, camera),
    bearingFromPoint: bearingDegrees(point, camera),
    facesPoint: facesPoint(camera, point),
  }
  if (options.when !== undefined) facts.footageRetained = retentionCovers(camera, options.when, options.now)
  return facts
}
