/**
 * Registry reads for agency users (`rtcc registry list|show|near|stats`): flag values are checked here,
 * before anything is sent, so a typo is a usage error (exit 2) that names the flag.
 */
import type {Camera, LocationType, RegistryStats} from '../domain/camera.js'
import {parseDistance, parseTime} from '../domain/units.js'
import {usageError} from '../errors.js'
import type {NearFacts} from '../registry/geo.js'
import type {JsonClient} from './json-client.js'

export interface LatLon {
  latitude: number
  longitude: number
}

/** `41.8781,-87.6298` → a point; anything else is a usage error naming `flag`. */
export function parseLatLon(text: string, flag = '--at'): LatLon {
  const match = /^\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)\s*$/.exec(text)
  const latitude = Number(match?.[1])
  const longitude = Number(match?.[2])
  if (!match || Math.abs(latitude) > 90 || Math.abs(longitude) > 180)
    throw usageError(`${flag}: "${text}" is not LAT,LON`, 'Give latitude then longitude in decimal degrees, e.g. 41.8781,-87.6298.')
  return {latitude, longitude}
}

/** `public,business` → location types (comma-separated, repeatable flag). The list loads with the domain schemas, only when asked. */
export async function parseTypes(values: string[] | undefined, flag = '--type'): Promise<LocationType[] | undefined> {
  if (!values?.length) return undefined
  const {LOCATION_TYPES} = await import('../domain/camera.js')
  const types = values.flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()).filter(Boolean)
  const unknown = types.find((t) => !(LOCATION_TYPES as readonly string[]).includes(t))
  if (unknown) throw usageError(`${flag}: "${unknown}" is not a location type`, `Use one or more of ${LOCATION_TYPES.join(', ')}.`)
  return types as LocationType[]
}

/** `MINLON,MINLAT,MAXLON,MAXLAT` (the GeoJSON bbox order). */
export function parseBbox(text: string, flag = '--bbox'): string {
  const parts = text.split(',').map((p) => Number(p.trim()))
  const [minLon, minLat, maxLon, maxLat] = parts as [number, number, number, number]
  const valid = parts.length === 4 && parts.every(Number.isFinite) && minLat <= maxLat && minLon <= maxLon && Math.abs(minLat) <= 90 && Math.abs(maxLat) <= 90 && Math.abs(minLon) <= 180 && Math.abs(maxLon) <= 180
  if (!valid) throw usageError(`${flag}: "${text}" is not a bounding box`, 'Give MINLON,MINLAT,MAXLON,MAXLAT in decimal degrees, e.g. -87.7,41.8,-87.6,41.9.')
  return parts.join(',')
}

export interface ListFilters {
  owner?: string
  type?: string[]
  tag?: string
  bbox?: string
  live?: boolean
  /** Total cameras wanted; pages of up to 10,000 are fetched until reached. */
  limit: number
}

const PAGE = 10_000

/** Cameras in the caller's scope, ordered by id, fetched page by page. */
export async function listRegistry(api: JsonClient, filters: ListFilters): Promise<Camera[]> {
  const query = {
    owner: filters.owner,
    type: (await parseTypes(filters.type))?.join(','),
    tag: filters.tag,
    bbox: filters.bbox === undefined ? undefined : parseBbox(filters.bbox),
    live: filters.live === undefined ? undefined : String(filters.live),
  }
  const cameras: Camera[] = []
  let after: string | undefined
  while (cameras.length < filters.limit) {
    const limit = Math.min(PAGE, filters.limit - cameras.length)
    const page = await api.get<Camera[]>('/v1/registry/cameras', {...query, limit, after})
    cameras.push(...page)
    if (page.length < limit) break
    after = page[page.length - 1]!.id
  }
  return cameras
}

export const showCamera = (api: JsonClient, id: string): Promise<Camera> => api.get<Camera>(`/v1/registry/cameras/${encodeURIComponent(id)}`)

export interface NearCamera extends NearFacts {
  camera: Camera
}

export interface NearResult {
  at: LatLon
  radiusMetres: number
  when: string | null
  cameras: NearCamera[]
}

export interface NearOptions {
  at: string
  radius: string
  limit?: number
  type?: string[]
  when?: string
}

/** Cameras within the radius, nearest first, with distance, bearing, facing and (with `when`) retention. */
export async function nearCameras(api: JsonClient, options: NearOptions): Promise<NearResult> {
  const at = parseLatLon(options.at)
  return api.get<NearResult>('/v1/registry/near', {
    at: `${at.latitude},${at.longitude}`,
    radius: `${parseDistance(options.radius, '--radius')}m`,
    limit: options.limit,
    type: (await parseTypes(options.type))?.join(','),
    when: options.when === undefined ? undefined : parseTime(options.when, '--when'),
  })
}

export const registryStats = (api: JsonClient): Promise<RegistryStats> => api.get<RegistryStats>('/v1/registry/stats')
