/** Agencies and their jurisdictions on PostgreSQL: the GeoJSON as given, and a PostGIS area for ST_Covers. */
import {newId} from '../../domain/ids.js'
import {areaBoundingBox, type AreaGeometry} from '../../registry/geo.js'
import {toAgency, type Agency, type AgencyRow} from '../agencies.js'
import {all, one, type Pg} from './pg.js'


const COLUMNS = 'id, name, jurisdiction, min_lat, max_lat, min_lon, max_lon, created_at'


export async function insertAgency(db: Pg, name: string, jurisdiction: AreaGeometry): Promise<Agency> {
  const box = areaBoundingBox(jurisdiction)
  const row = await one<AgencyRow>(
    db,
    `INSERT INTO agencies (id, name, jurisdiction, area, min_lat, max_lat, min_lon, max_lon, created_at)
     VALUES ($1, $2, $3, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($3), 4326)), $4, $5, $6, $7, $8)
     RETURNING ${COLUMNS}`,
    [newId('agy'), name, JSON.stringify(jurisdiction), box.minLatitude, box.maxLatitude, box.minLongitude, box.maxLongitude, new Date().toISOString()],
  )
  return toAgency(row!)
}

export async function getAgency(db: Pg, idOrName: string): Promise<Agency | undefined> {
  const row = await one<AgencyRow>(db, `SELECT ${COLUMNS} FROM agencies WHERE id = $1 OR lower(name) = lower($1)`, [idOrName])
  return row && toAgency(row)
}

export async function listAgencies(db: Pg): Promise<Agency[]> {
  return (await all<AgencyRow>(db, `SELECT ${COLUMNS} FROM agencies ORDER BY lower(name)`)).map(toAgency)
}

export async function agencyMemberCount(db: Pg, agencyId: string): Promise<number> {
  return (await one<{n: number}>(db, 'SELECT count(*)::int AS n FROM users WHERE agency_id = $1', [agencyId]))!.n
}
