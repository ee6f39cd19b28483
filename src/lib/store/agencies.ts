/** Agencies and their jurisdictions (GeoJSON Polygon/MultiPolygon, with a bounding box for the index). */
import {newId} from '../domain/ids.js'
import {areaBoundingBox, compileArea, type AreaGeometry} from '../registry/geo.js'
import type {Db} from './db.js'

export interface Agency {
  id: string
  name: string
  jurisdiction: AreaGeometry
  bbox: {minLatitude: number; maxLatitude: number; minLongitude: number; maxLongitude: number}
  createdAt: string
}

export interface AgencyRow {
  id: string
  name: string
  jurisdiction: string
  min_lat: number
  max_lat: number
  min_lon: number
  max_lon: number
  created_at: string
}

export const toAgency = (row: AgencyRow): Agency => ({
  id: row.id,
  name: row.name,
  jurisdiction: JSON.parse(row.jurisdiction) as AreaGeometry,
  bbox: {minLatitude: row.min_lat, maxLatitude: row.max_lat, minLongitude: row.min_lon, maxLongitude: row.max_lon},
  createdAt: row.created_at,
})

export function insertAgency(db: Db, name: string, jurisdiction: AreaGeometry): Agency {
  const box = areaBoundingBox(jurisdiction)
  const id = newId('agy')
  db.prepare('INSERT INTO agencies (id, name, jurisdiction, min_lat, max_lat, min_lon, max_lon, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    id,
    name,
    JSON.stringify(jurisdiction),
    box.minLatitude,
    box.maxLatitude,
    box.minLongitude,
    box.maxLongitude,
    new Date().toISOString(),
  )
  return getAgency(db, id)!
}

export function getAgency(db: Db, idOrName: string): Agency | undefined {
  const row = db.prepare('SELECT * FROM agencies WHERE id = ? OR name = ?').get(idOrName, idOrName) as AgencyRow | undefined
  return row && toAgency(row)
}

export function listAgencies(db: Db): Agency[] {
  return (db.prepare('SELECT * FROM agencies ORDER BY name').all() as AgencyRow[]).map(toAgency)
}

export function agencyMemberCount(db: Db, agencyId: string): number {
  return (db.prepare('SELECT count(*) AS n FROM users WHERE agency_id = ?').get(agencyId) as {n: number}).n
}

type JurisdictionTest = (p: {latitude: number; longitude: number}) => boolean

const jurisdictions = new Map<string, JurisdictionTest>()

/**
 * An agency's compiled point-in-jurisdiction test, also made available to in_agency(): called when a
 * query's scope is built (SQLite functions cannot run queries of their own while the outer query
 * executes), and used directly by the in-memory radius search.
 */
export function jurisdictionTest(agency: Agency): JurisdictionTest {
  let test = jurisdictions.get(agency.id)
  if (!test) jurisdictions.set(agency.id, (test = compileArea(agency.jurisdiction)))
  return test
}

/** The compiled test of an agency primed by jurisdictionTest(), for SQLite's in_agency(). */
export const primedJurisdiction = (agencyId: string): JurisdictionTest | undefined => jurisdictions.get(agencyId)
