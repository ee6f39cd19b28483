/**
 * Registry cameras. Every read takes a scope (an owner's own cameras, an agency's jurisdiction, or the
 * whole registry for a platform admin) that becomes part of the query: a bounding-box test plus the
 * exact `in_agency()` test in SQL, or the same jurisdiction test inside the radius search before
 * ranking and limits — never a filter applied to results after the fact. Radius searches use the
 * in-memory index in ./camera-locations.ts.
 */
import type {Statement} from 'better-sqlite3'

import type {Camera, CameraFields, LocationType, RegistryStats} from '../domain/camera.js'
import {newId} from '../domain/ids.js'
import type {BoundingBox} from '../registry/geo.js'
import {jurisdictionTest, type Agency} from './agencies.js'
import {cameraLocations, noteCameraLocation} from './camera-locations.js'
import type {Db} from './db.js'

export type CameraScope = {kind: 'all'} | {kind: 'owner'; ownerId: string} | {kind: 'agency'; agency: Agency}

export interface CameraRow {
  id: string
  owner_id: string
  source: string
  external_id: string
  name: string
  latitude: number
  longitude: number
  address: string | null
  location_type: LocationType
  make: string | null
  model: string | null
  view_description: string | null
  view_direction: number | null
  field_of_view: number | null
  records: number
  retention_days: number | null
  live_capable: number
  tags: string
  created_at: string
  updated_at: string
}

/** The Camera's columns, one per field, in the order of `CameraValues`. */
const CAMERA_COLUMNS = [
  'id', 'owner_id', 'source', 'external_id', 'name', 'latitude', 'longitude', 'address', 'location_type', 'make', 'model', 'view_description',
  'view_direction', 'field_of_view', 'records', 'retention_days', 'live_capable', 'tags', 'created_at', 'updated_at',
] as const satisfies readonly (keyof CameraRow)[]

type CameraValues = [
  string, string, string, string, string, number, number, string | null, LocationType, string | null, string | null, string | null,
  number | null, number | null, number, number | null, number, string, string, string,
]

/** A camera from its column values in CAMERA_COLUMNS order (the near search reads rows as such arrays). */
const cameraFromValues = (r: CameraValues): Camera => ({
  id: r[0],
  ownerId: r[1],
  source: r[2],
  externalId: r[3],
  name: r[4],
  latitude: r[5],
  longitude: r[6],
  address: r[7],
  locationType: r[8],
  make: r[9],
  model: r[10],
  viewDescription: r[11],
  viewDirection: r[12],
  fieldOfView: r[13],
  records: r[14] === 1,
  retentionDays: r[15],
  liveCapable: r[16] === 1,
  tags: JSON.parse(r[17]) as string[],
  createdAt: r[18],
  updatedAt: r[19],
})

export const toCamera = (row: CameraRow): Camera => cameraFromValues(CAMERA_COLUMNS.map((c) => row[c]) as CameraValues)

interface Clause {
  sql: string
  params: Record<string, unknown>
}

const boxClause = (box: BoundingBox, prefix: string): Clause => ({
  sql: `c.latitude BETWEEN @${prefix}MinLat AND @${prefix}MaxLat AND c.longitude BETWEEN @${prefix}MinLon AND @${prefix}MaxLon`,
  params: {[`${prefix}MinLat`]: box.minLatitude, [`${prefix}MaxLat`]: box.maxLatitude, [`${prefix}MinLon`]: box.minLongitude, [`${prefix}MaxLon`]: box.maxLongitude},
})

export function scopeClause(scope: CameraScope): Clause {
  if (scope.kind === 'all') return {sql: '1', params: {}}
  if (scope.kind === 'owner') return {sql: 'c.owner_id = @scopeOwner', params: {scopeOwner: scope.ownerId}}
  jurisdictionTest(scope.agency)
  const box = boxClause(scope.agency.bbox, 'agency')
  return {sql: `${box.sql} AND in_agency(@scopeAgency, c.latitude, c.longitude)`, params: {...box.params, scopeAgency: scope.agency.id}}
}

export interface CameraFilters {
  ownerId?: string
  type?: LocationType[]
  tag?: string
  bbox?: BoundingBox
  liveCapable?: boolean
  afterId?: string
  limit?: number
}

function filterClauses(filters: CameraFilters): Clause[] {
  const clauses: Clause[] = []
  if (filters.ownerId) clauses.push({sql: 'c.owner_id = @ownerId', params: {ownerId: filters.ownerId}})
  if (filters.type?.length) {
    const names = filters.type.map((_, i) => `@type${i}`)
    clauses.push({sql: `c.location_type IN (${names.join(', ')})`, params: Object.fromEntries(filters.type.map((t, i) => [`type${i}`, t]))})
  }
  if (filters.tag) clauses.push({sql: 'EXISTS (SELECT 1 FROM json_each(c.tags) WHERE json_each.value = @tag)', params: {tag: filters.tag}})
  if (filters.bbox) clauses.push(boxClause(filters.bbox, 'bbox'))
  if (filters.liveCapable !== undefined) clauses.push({sql: 'c.live_capable = @live', params: {live: filters.liveCapable ? 1 : 0}})
  if (filters.afterId) clauses.push({sql: 'c.id > @afterId', params: {afterId: filters.afterId}})
  return clauses
}

function where(clauses: Clause[]): Clause {
  return {sql: clauses.map((c) => `(${c.sql})`).join(' AND ') || '1', params: Object.assign({}, ...clauses.map((c) => c.params))}
}

export function listCameras(db: Db, scope: CameraScope, filters: CameraFilters = {}): Camera[] {
  const w = where([scopeClause(scope), ...filterClauses(filters)])
  const rows = db.prepare(`SELECT c.* FROM cameras c WHERE ${w.sql} ORDER BY c.id LIMIT @limit`).all({...w.params, limit: filters.limit ?? 1000}) as CameraRow[]
  return rows.map(toCamera)
}

export function getCamera(db: Db, scope: CameraScope, id: string): Camera | undefined {
  const w = where([scopeClause(scope), {sql: 'c.id = @id', params: {id}}])
  const row = db.prepare(`SELECT c.* FROM cameras c WHERE ${w.sql}`).get(w.params) as CameraRow | undefined
  return row && toCamera(row)
}

export interface NearQuery {
  latitude: number
  longitude: number
  radiusMetres: number
  limit?: number
  type?: LocationType[]
}

export interface NearCamera {
  camera: Camera
  distanceMetres: number
}

const rowByRowid = new WeakMap<Db, Statement<[number]>>()

/**
 * The near search reads each hit by rowid as a raw array of exactly the Camera's columns rather than a
 * `SELECT *` row object: no keyed object per row before the Camera's own (about half the per-row cost
 * in better-sqlite3).
 */
const NEAR_COLUMNS = CAMERA_COLUMNS.join(', ')

/**
 * Readies `nearCameras` at server start (the radius index over every camera, and its statements), so
 * the first `registry near` after a start does not pay for building it (1.3 s at a million cameras).
 */
export function warmNearIndex(db: Db): void {
  nearCameras(db, {kind: 'all'}, {latitude: 0, longitude: 0, radiusMetres: 1, limit: 1})
}

/** Cameras within `radiusMetres`, nearest first (ties by id), with their distance. */
export function nearCameras(db: Db, scope: CameraScope, near: NearQuery): NearCamera[] {
  const limit = near.limit ?? 1000
  if (scope.kind === 'owner') return nearOwnCameras(db, scope.ownerId, near, limit)
  const inScope = scope.kind === 'agency' ? jurisdictionTest(scope.agency) : undefined
  const index = cameraLocations(db)
  const hits = index.within(near, near.radiusMetres, inScope && ((latitude, longitude) => inScope({latitude, longitude})))
  const types = near.type?.length ? new Set<string>(near.type) : undefined
  let fetch = rowByRowid.get(db)
  if (!fetch) rowByRowid.set(db, (fetch = db.prepare(`SELECT ${NEAR_COLUMNS} FROM cameras WHERE rowid = ?`).raw(true)))
  const found: NearCamera[] = []
  const seen = new Set<number>()
  // Past the limit, keep taking exact ties with the last distance so the id tie-break below is exact.
  let cutoff = Infinity
  ranked: for (let next = 0; next < hits.count; next += 64) {
    for (const h of hits.ranks(next, 64)) {
      const distance = hits.distances[h]!
      if (distance > cutoff) break ranked
      const rowid = hits.rowids[h]!
      const row = fetch.get(rowid) as CameraValues | undefined
      // The index may hold more than the table: deleted and moved cameras are confirmed here and dropped.
      if (!row || !index.matches(hits.slots[h]!, row[5], row[6])) {
        index.drop(hits.slots[h]!)
        continue
      }
      if (seen.has(rowid) || (types && !types.has(row[8]))) continue
      seen.add(rowid)
      found.push({camera: cameraFromValues(row), distanceMetres: distance})
      if (found.length === limit) cutoff = distance
    }
  }
  return found.sort((a, b) => a.distanceMetres - b.distanceMetres || (a.camera.id < b.camera.id ? -1 : 1)).slice(0, limit)
}

/** An owner's own cameras are few: their index on owner_id and a distance sort in SQL are enough. */
function nearOwnCameras(db: Db, ownerId: string, near: NearQuery, limit: number): NearCamera[] {
  const w = where([{sql: 'c.owner_id = @owner', params: {owner: ownerId}}, ...filterClauses({type: near.type})])
  const rows = db
    .prepare(
      `SELECT * FROM (SELECT c.*, distance_m(@lat, @lon, c.latitude, c.longitude) AS distance FROM cameras c WHERE ${w.sql})
       WHERE distance <= @radius ORDER BY distance, id LIMIT @limit`,
    )
    .all({...w.params, lat: near.latitude, lon: near.longitude, radius: near.radiusMetres, limit}) as (CameraRow & {distance: number})[]
  return rows.map((row) => ({camera: toCamera(row), distanceMetres: row.distance}))
}

export function registryStats(db: Db, scope: CameraScope): RegistryStats {
  const w = where([scopeClause(scope)])
  const totals = db
    .prepare(`SELECT count(*) AS cameras, count(DISTINCT owner_id) AS owners, coalesce(sum(live_capable), 0) AS live, coalesce(sum(records), 0) AS records FROM cameras c WHERE ${w.sql}`)
    .get(w.params) as {cameras: number; owners: number; live: number; records: number}
  const byType = db.prepare(`SELECT location_type AS type, count(*) AS n FROM cameras c WHERE ${w.sql} GROUP BY location_type ORDER BY n DESC`).all(w.params) as {type: string; n: number}[]
  return {cameras: totals.cameras, owners: totals.owners, byType: Object.fromEntries(byType.map((r) => [r.type, r.n])), liveCapable: totals.live, records: totals.records}
}

/** Camera fields and their columns, with how a value is stored (shared by both backends). */
export const FIELD_COLUMNS: [keyof CameraFields, string][] = [
  ['name', 'name'],
  ['latitude', 'latitude'],
  ['longitude', 'longitude'],
  ['address', 'address'],
  ['locationType', 'location_type'],
  ['make', 'make'],
  ['model', 'model'],
  ['viewDescription', 'view_description'],
  ['viewDirection', 'view_direction'],
  ['fieldOfView', 'field_of_view'],
  ['records', 'records'],
  ['retentionDays', 'retention_days'],
  ['liveCapable', 'live_capable'],
  ['tags', 'tags'],
]

export const toColumnValue = (field: keyof CameraFields, value: unknown) =>
  field === 'tags' ? JSON.stringify(value) : typeof value === 'boolean' ? (value ? 1 : 0) : value

/** An owner's own camera (`rtcc camera add`): source `owner`, keyed by its own id. */
export function insertOwnerCamera(db: Db, ownerId: string, fields: CameraFields): Camera {
  const id = newId('cam')
  const now = new Date().toISOString()
  const columns = FIELD_COLUMNS.map(([, c]) => c)
  db.prepare(
    `INSERT INTO cameras (id, owner_id, source, external_id, ${columns.join(', ')}, created_at, updated_at)
     VALUES (@id, @owner, 'owner', @id, ${columns.map((c) => `@${c}`).join(', ')}, @now, @now)`,
  ).run({id, owner: ownerId, now, ...Object.fromEntries(FIELD_COLUMNS.map(([f, c]) => [c, toColumnValue(f, fields[f])]))})
  return getCamera(db, {kind: 'all'}, id)!
}

export function updateCamera(db: Db, id: string, patch: Partial<CameraFields>): Camera {
  const entries = FIELD_COLUMNS.filter(([f]) => patch[f] !== undefined)
  if (entries.length > 0) {
    const sets = entries.map(([, c]) => `${c} = @${c}`).join(', ')
    const position = db.prepare('SELECT rowid, latitude, longitude FROM cameras WHERE id = ?')
    const before = position.get(id) as {rowid: number; latitude: number; longitude: number} | undefined
    db.prepare(`UPDATE cameras SET ${sets}, updated_at = @now WHERE id = @id`).run({
      id,
      now: new Date().toISOString(),
      ...Object.fromEntries(entries.map(([f, c]) => [c, toColumnValue(f, patch[f])])),
    })
    const after = position.get(id) as typeof before
    if (before && after && (before.latitude !== after.latitude || before.longitude !== after.longitude)) noteCameraLocation(db, after.rowid, after.latitude, after.longitude)
  }
  return getCamera(db, {kind: 'all'}, id)!
}

export function deleteCamera(db: Db, id: string): void {
  db.prepare('DELETE FROM cameras WHERE id = ?').run(id)
}

/** A camera with its owner's contact and its key, as exports write it (export → import is a no-op). */
export interface CameraWithOwner extends Camera {
  ownerEmail: string
  ownerName: string | null
  ownerOrganisation: string | null
  ownerPhone: string | null
}

const withOwner = (row: CameraRow & {o_email: string; o_name: string; o_org: string | null; o_phone: string | null}): CameraWithOwner => ({
  ...toCamera(row),
  ownerEmail: row.o_email,
  ownerName: row.o_name,
  ownerOrganisation: row.o_org,
  ownerPhone: row.o_phone,
})

const WITH_OWNER = `SELECT c.*, o.email AS o_email, o.display_name AS o_name, o.organisation AS o_org, o.phone AS o_phone
                    FROM cameras c JOIN owners o ON o.id = c.owner_id`

/** The camera an owner registered themselves (source `owner`, keyed by its id) with that key, if in scope. */
export function getOwnerRegisteredCamera(db: Db, scope: CameraScope, externalId: string): CameraWithOwner | undefined {
  const w = where([scopeClause(scope)])
  const row = db.prepare(`${WITH_OWNER} WHERE ${w.sql} AND c.source = 'owner' AND c.external_id = @externalId`).get({...w.params, externalId})
  return row === undefined ? undefined : withOwner(row as Parameters<typeof withOwner>[0])
}

/**
 * Cameras with their owners' contact for an export: one page after `after` in id order, or the given
 * ids (those in scope, in the order given). Pages, not one long cursor: the connection must stay free
 * for other requests between chunks.
 */
export function camerasWithOwners(db: Db, scope: CameraScope, page: {after?: string; ids?: string[]; limit?: number}): CameraWithOwner[] {
  const w = where([scopeClause(scope)])
  const sql = `${WITH_OWNER} WHERE ${w.sql}`
  if (page.ids) {
    const one = db.prepare(`${sql} AND c.id = @id`)
    return page.ids.flatMap((id) => {
      const row = one.get({...w.params, id})
      return row ? [withOwner(row as Parameters<typeof withOwner>[0])] : []
    })
  }
  const rows = db.prepare(`${sql} AND c.id > @after ORDER BY c.id LIMIT @limit`).all({...w.params, after: page.after ?? '', limit: page.limit ?? 1000})
  return (rows as Parameters<typeof withOwner>[0][]).map(withOwner)
}
