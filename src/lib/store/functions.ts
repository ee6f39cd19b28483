/** SQL functions the SQLite registry queries use; registered on every connection the server opens. */
import {distanceMetres} from '../registry/geo.js'
import {primedJurisdiction} from './agencies.js'
import type {Db} from './db.js'

export function registerFunctions(db: Db): void {
  /**
   * `in_agency(agency_id, lat, lon)`: the exact point-in-jurisdiction test, so that jurisdiction is part
   * of every registry query rather than a filter applied to its results. An agency whose jurisdiction
   * was not primed (jurisdictionTest) matches nothing: fail closed.
   */
  db.function('in_agency', {deterministic: true}, (agencyId: unknown, lat: unknown, lon: unknown) =>
    primedJurisdiction(agencyId as string)?.({latitude: lat as number, longitude: lon as number}) ? 1 : 0,
  )
  /** `distance_m(lat1, lon1, lat2, lon2)`: haversine metres (geo.ts's), so SQL can sort and limit by distance. */
  db.function('distance_m', {deterministic: true}, (lat1: unknown, lon1: unknown, lat2: unknown, lon2: unknown) =>
    distanceMetres({latitude: lat1 as number, longitude: lon1 as number}, {latitude: lat2 as number, longitude: lon2 as number}),
  )
}
