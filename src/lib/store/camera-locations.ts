/**
 * The registry's spatial index: camera positions in memory, bucketed in a fixed lat/lon grid, so a
 * radius search touches a handful of cells instead of an R*Tree joined back to the table (which cost
 * 0.8 ms at 300 m and 32 ms at 2 km over a million cameras, and slowed every imported row by a
 * trigger). Cells hold slot numbers; positions and rowids sit in typed arrays.
 *
 * It is a cache of the `cameras` table and may hold more than the table, never less:
 *  - the store's write functions add entries for new positions as they write (inside the
 *    transaction: if it rolls back, the extra entry is harmless) and never remove any;
 *  - every search confirms each hit against the table (the row must exist at that position) and
 *    drops entries that fail, so deleted and moved cameras fall out lazily;
 *  - rows inserted by any statement on this connection are caught up by rowid before each search;
 *  - writes by other connections (another process) change `PRAGMA data_version`, which makes the
 *    next search rebuild the index from the table; so does `invalidateCameraLocations` after bulk
 *    updates that may have moved many cameras.
 * Reads on the connection never run inside another request's write transaction (better-sqlite3 is
 * synchronous), so what a search reads is committed state.
 */
import {boundingBoxes, distanceMetres, type LatLon} from '../registry/geo.js'
import type {Db} from './db.js'

/** ≈ 550 m of latitude: a 300 m search reads 4-9 cells, a 2 km search about 100. */
const CELL_DEGREES = 0.005
const LON_CELLS = Math.ceil(360 / CELL_DEGREES) + 1

const cellOf = (latitude: number, longitude: number) =>
  Math.floor((latitude + 90) / CELL_DEGREES) * LON_CELLS + Math.floor((longitude + 180) / CELL_DEGREES)

export interface LocationHit {
  slot: number
  rowid: number
  distanceMetres: number
}

export class CameraLocations {
  private latitudes = new Float64Array(1024)
  private longitudes = new Float64Array(1024)
  private rowids = new Float64Array(1024)
  private readonly cells = new Map<number, number[]>()
  private readonly freeSlots: number[] = []
  private used = 0
  /** Highest rowid seen; rows above it are read in before a search. */
  maxRowid = 0
  dataVersion = -1

  get size(): number {
    return this.used - this.freeSlots.length
  }

  add(rowid: number, latitude: number, longitude: number): void {
    let slot = this.freeSlots.pop()
    if (slot === undefined) {
      if (this.used === this.rowids.length) this.grow()
      slot = this.used++
    }
    this.latitudes[slot] = latitude
    this.longitudes[slot] = longitude
    this.rowids[slot] = rowid
    const key = cellOf(latitude, longitude)
    const cell = this.cells.get(key)
    if (cell) cell.push(slot)
    else this.cells.set(key, [slot])
    if (rowid > this.maxRowid) this.maxRowid = rowid
  }

  /** Whether `slot` still says `rowid` is at this position (the table is the truth). */
  matches(slot: number, latitude: number, longitude: number): boolean {
    return this.latitudes[slot] === latitude && this.longitudes[slot] === longitude
  }

  drop(slot: number): void {
    const cell = this.cells.get(cellOf(this.latitudes[slot]!, this.longitudes[slot]!))
    const at = cell?.indexOf(slot) ?? -1
    if (at < 0) return
    cell![at] = cell![cell!.length - 1]!
    cell!.pop()
    if (cell!.length === 0) this.cells.delete(cellOf(this.latitudes[slot]!, this.longitudes[slot]!))
    this.freeSlots.push(slot)
  }

  /**
   * Entries within `radiusMetres` of `center` (haversine, the same function as the brute-force
   * reference) that pass `accept`, nearest first (ties by rowid). `accept` is where a jurisdiction
   * test joins the query, before ranking and limits.
   */
  within(center: LatLon, radiusMetres: number, accept?: (latitude: number, longitude: number) => boolean): LocationHit[] {
    const hits: LocationHit[] = []
    const point = {latitude: 0, longitude: 0}
    for (const box of boundingBoxes(center, radiusMetres)) {
      const lat0 = Math.floor((box.minLatitude + 90) / CELL_DEGREES)
      const lat1 = Math.floor((box.maxLatitude + 90) / CELL_DEGREES)
      const lon0 = Math.floor((box.minLongitude + 180) / CELL_DEGREES)
      const lon1 = Math.floor((box.maxLongitude + 180) / CELL_DEGREES)
      const visit = (cell: number[]) => {
        for (const slot of cell) {
          const latitude = this.latitudes[slot]!
          const longitude = this.longitudes[slot]!
          if (latitude < box.minLatitude || latitude > box.maxLatitude || longitude < box.minLongitude || longitude > box.maxLongitude) continue
          point.latitude = latitude
          point.longitude = longitude
          const distance = distanceMetres(center, point)
          if (distance <= radiusMetres && (!accept || accept(latitude, longitude))) hits.push({slot, rowid: this.rowids[slot]!, distanceMetres: distance})
        }
      }
      if ((lat1 - lat0 + 1) * (lon1 - lon0 + 1) > this.cells.size) {
        // Huge boxes (near a pole, continental radii): walking the occupied cells is cheaper.
        for (const [key, cell] of this.cells) {
          const lat = Math.floor(key / LON_CELLS)
          const lon = key % LON_CELLS
          if (lat >= lat0 && lat <= lat1 && lon >= lon0 && lon <= lon1) visit(cell)
        }
      } else {
        for (let lat = lat0; lat <= lat1; lat++) {
          for (let lon = lon0; lon <= lon1; lon++) {
            const cell = this.cells.get(lat * LON_CELLS + lon)
            if (cell) visit(cell)
          }
        }
      }
    }
    return hits.sort((a, b) => a.distanceMetres - b.distanceMetres || a.rowid - b.rowid)
  }

  private grow(): void {
    const size = this.rowids.length * 2
    const copy = (from: Float64Array) => {
      const to = new Float64Array(size)
      to.set(from)
      return to
    }
    this.latitudes = copy(this.latitudes)
    this.longitudes = copy(this.longitudes)
    this.rowids = copy(this.rowids)
  }
}

const indexes = new WeakMap<Db, CameraLocations>()

const dataVersion = (db: Db) => db.pragma('data_version', {simple: true}) as number

function build(db: Db): CameraLocations {
  const index = new CameraLocations()
  index.dataVersion = dataVersion(db)
  catchUp(db, index)
  indexes.set(db, index)
  return index
}

/** Reads rows above the highest rowid the index has seen (inserts by any statement on this connection). */
function catchUp(db: Db, index: CameraLocations): void {
  const max = (db.prepare('SELECT max(rowid) FROM cameras').pluck().get() as number | null) ?? 0
  if (max <= index.maxRowid) return
  const rows = db.prepare('SELECT rowid, latitude, longitude FROM cameras WHERE rowid > ?').raw().iterate(index.maxRowid) as IterableIterator<[number, number, number]>
  for (const [rowid, latitude, longitude] of rows) index.add(rowid, latitude, longitude)
}

/** The connection's index, current with everything committed (and everything this connection wrote). */
export function cameraLocations(db: Db): CameraLocations {
  const index = indexes.get(db)
  if (!index || index.dataVersion !== dataVersion(db)) return build(db)
  catchUp(db, index)
  return index
}

/**
 * A camera moved: index its new position now, inside the writer's transaction. (New rows need no
 * call: the catch-up by rowid finds them, and indexing one here would skip the rows before it.)
 */
export function noteCameraLocation(db: Db, rowid: number, latitude: number, longitude: number): void {
  const index = indexes.get(db)
  if (index && rowid <= index.maxRowid) index.add(rowid, latitude, longitude)
}

/** After bulk changes that may have moved many cameras: the next search rebuilds from the table. */
export function invalidateCameraLocations(db: Db): void {
  indexes.delete(db)
}
