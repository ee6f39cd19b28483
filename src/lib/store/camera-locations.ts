/**
 * The registry's spatial index: camera positions in memory, bucketed in a fixed lat/lon grid, so a
 * radius search reads a handful of cells instead of an R*Tree joined back to the table (which cost
 * 0.8 ms at 300 m and 32 ms at 2 km over a million cameras, and slowed every imported row by a
 * trigger). Points are packed cell by cell in typed arrays, so a cell is one contiguous run in memory;
 * points added since the last packing sit in small per-cell lists until the next one.
 *
 * It is a cache of the `cameras` table and may hold more than the table, never less:
 *  - the store's write functions index a camera's new position when they move it (inside the
 *    transaction: if that rolls back, the extra entry is harmless) and never remove entries;
 *  - every search confirms each hit against the table (the row must exist at that position) and
 *    drops entries that fail, so deleted and moved cameras fall out lazily;
 *  - rows inserted by any statement on this connection are caught up by rowid before each search;
 *  - writes by other connections (another process) change `PRAGMA data_version`, which makes the
 *    next search rebuild the index from the table; so does `invalidateCameraLocations` after bulk
 *    updates that may have moved many cameras.
 * Searches never run inside another request's write transaction (better-sqlite3 is synchronous), so
 * what they read is committed state.
 */
import type {Statement} from 'better-sqlite3'

import {boundingBoxes, distanceMetres, type LatLon} from '../registry/geo.js'
import type {Db} from './db.js'

/** ≈ 550 m of latitude: a 300 m search reads 4-9 cells, a 2 km search about 100. */
const CELL_DEGREES = 0.005
const LON_CELLS = Math.ceil(360 / CELL_DEGREES) + 1

const cellOf = (latitude: number, longitude: number) =>
  Math.floor((latitude + 90) / CELL_DEGREES) * LON_CELLS + Math.floor((longitude + 180) / CELL_DEGREES)

/** Parallel growable arrays of points. */
class Points {
  latitudes: Float64Array
  longitudes: Float64Array
  rowids: Float64Array
  length = 0

  constructor(capacity = 1024) {
    this.latitudes = new Float64Array(capacity)
    this.longitudes = new Float64Array(capacity)
    this.rowids = new Float64Array(capacity)
  }

  push(rowid: number, latitude: number, longitude: number): number {
    if (this.length === this.rowids.length) {
      const grow = (from: Float64Array) => {
        const to = new Float64Array(from.length * 2)
        to.set(from)
        return to
      }
      this.latitudes = grow(this.latitudes)
      this.longitudes = grow(this.longitudes)
      this.rowids = grow(this.rowids)
    }
    this.latitudes[this.length] = latitude
    this.longitudes[this.length] = longitude
    this.rowids[this.length] = rowid
    return this.length++
  }
}

/** A grid cell: its run [start, end) in the packed points, and slots of points added since packing. */
interface Cell {
  start: number
  end: number
  added?: number[]
}

/**
 * Search results in parallel arrays (no object per hit), ranked lazily: a caller that wants the
 * nearest 100 of 3,500 hits sorts a little more than 100 (ties by rowid), not all of them.
 */
export class LocationHits {
  private readonly ranked: number[] = []
  private rankedUpTo = -Infinity

  constructor(
    readonly count: number,
    readonly slots: Float64Array,
    readonly rowids: Float64Array,
    readonly distances: Float64Array,
  ) {}

  /** Hit numbers ranked `from` to `from + n` (fewer at the end). */
  ranks(from: number, n: number): number[] {
    while (this.ranked.length < Math.min(from + n, this.count)) this.rankMore(Math.max(64, 2 * this.ranked.length, from + n))
    return this.ranked.slice(from, from + n)
  }

  /** Ranks every hit up to the distance of the `wanted`-th nearest (found by a selection, not a sort of them all). */
  private rankMore(wanted: number): void {
    const upTo = nthSmallest(this.distances, this.count, Math.min(wanted, this.count) - 1)
    const next: number[] = []
    for (let h = 0; h < this.count; h++) {
      const d = this.distances[h]!
      if (d > this.rankedUpTo && d <= upTo) next.push(h)
    }
    next.sort((a, b) => this.distances[a]! - this.distances[b]! || this.rowids[a]! - this.rowids[b]!)
    for (const h of next) this.ranked.push(h)
    this.rankedUpTo = upTo
  }
}

/** nthSmallest's working copy, reused by every search (they are synchronous). */
let selection = new Float64Array(1024)

/**
 * The `n`-th smallest (from 0) of `values[0, count)`: a quickselect (Hoare partition, median-of-three
 * pivot) over a copy, O(count). Sorting all 3,500 distances of a 2 km search to find the 100th cost
 * more than finding the hits.
 */
export function nthSmallest(values: Float64Array, count: number, n: number): number {
  if (selection.length < count) selection = new Float64Array(Math.max(count, 2 * selection.length))
  const a = selection
  a.set(values.subarray(0, count))
  let lo = 0
  let hi = count - 1
  while (lo < hi) {
    const x = a[lo]!
    const y = a[(lo + hi) >>> 1]!
    const z = a[hi]!
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y
    let i = lo
    let j = hi
    while (i <= j) {
      while (a[i]! < pivot) i++
      while (a[j]! > pivot) j--
      if (i <= j) {
        const t = a[i]!
        a[i++] = a[j]!
        a[j--] = t
      }
    }
    if (n <= j) hi = j
    else if (n >= i) lo = i
    else break
  }
  return a[n]!
}

/** A search's hits as parallel arrays with room for `capacity` (keeping the first `keep` of `from`). */
class Hits {
  readonly slots: Float64Array
  readonly rowids: Float64Array
  readonly distances: Float64Array

  constructor(capacity: number, from?: Hits, keep = 0) {
    this.slots = new Float64Array(capacity)
    this.rowids = new Float64Array(capacity)
    this.distances = new Float64Array(capacity)
    if (from) {
      this.slots.set(from.slots.subarray(0, keep))
      this.rowids.set(from.rowids.subarray(0, keep))
      this.distances.set(from.distances.subarray(0, keep))
    }
  }
}

export class CameraLocations {
  /** Slots below `packed.length` are packed points; `packed.length + i` is added point i. */
  private packed = new Points(0)
  private live = new Uint8Array(0)
  private added = new Points()
  private readonly freeAdded: number[] = []
  private cells = new Map<number, Cell>()
  private count = 0
  /** within()'s working arrays, reused by every search on this index. */
  private scratch = new Hits(1024)
  /** Highest rowid seen; rows above it are read in before a search. */
  maxRowid = 0
  dataVersion = -1

  get size(): number {
    return this.count
  }

  add(rowid: number, latitude: number, longitude: number): void {
    const free = this.freeAdded.pop()
    let index: number
    if (free === undefined) index = this.added.push(rowid, latitude, longitude)
    else {
      index = free
      this.added.latitudes[index] = latitude
      this.added.longitudes[index] = longitude
      this.added.rowids[index] = rowid
    }
    const key = cellOf(latitude, longitude)
    let cell = this.cells.get(key)
    if (!cell) this.cells.set(key, (cell = {start: 0, end: 0}))
    ;(cell.added ??= []).push(this.packed.length + index)
    if (rowid > this.maxRowid) this.maxRowid = rowid
    this.count++
  }

  private point(slot: number): [Points, number] {
    return slot < this.packed.length ? [this.packed, slot] : [this.added, slot - this.packed.length]
  }

  /** Whether `slot` says its camera is at this position (the table is the truth). */
  matches(slot: number, latitude: number, longitude: number): boolean {
    const [points, i] = this.point(slot)
    return points.latitudes[i] === latitude && points.longitudes[i] === longitude
  }

  drop(slot: number): void {
    const [points, i] = this.point(slot)
    if (points === this.packed) {
      if (!this.live[i]) return
      this.live[i] = 0
    } else {
      const list = this.cells.get(cellOf(points.latitudes[i]!, points.longitudes[i]!))?.added
      const at = list?.indexOf(slot) ?? -1
      if (at < 0) return
      list![at] = list![list!.length - 1]!
      list!.pop()
      this.freeAdded.push(i)
    }
    this.count--
  }

  /** Whether enough points were added since packing that searches would gain from packing again. */
  get wantsPacking(): boolean {
    return this.added.length - this.freeAdded.length > Math.max(10_000, this.packed.length / 4)
  }

  /** Lays every live point out again cell by cell, folding in the added ones. */
  pack(): void {
    const all = new Points(Math.max(this.count, 1))
    for (let i = 0; i < this.packed.length; i++) if (this.live[i]) all.push(this.packed.rowids[i]!, this.packed.latitudes[i]!, this.packed.longitudes[i]!)
    for (const cell of this.cells.values()) {
      for (const slot of cell.added ?? []) {
        const i = slot - this.packed.length
        all.push(this.added.rowids[i]!, this.added.latitudes[i]!, this.added.longitudes[i]!)
      }
    }
    this.layOut(all)
  }

  /** Makes `points` the packed points, ordered by cell (a counting sort), with nothing added since. */
  layOut(points: Points): void {
    const keys = new Float64Array(points.length)
    const counts = new Map<number, number>()
    for (let i = 0; i < points.length; i++) {
      const key = cellOf(points.latitudes[i]!, points.longitudes[i]!)
      keys[i] = key
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    const cells = new Map<number, Cell>()
    let start = 0
    for (const key of [...counts.keys()].sort((a, b) => a - b)) {
      cells.set(key, {start, end: start})
      start += counts.get(key)!
    }
    const packed = new Points(points.length)
    packed.length = points.length
    for (let i = 0; i < points.length; i++) {
      const at = cells.get(keys[i]!)!.end++
      packed.latitudes[at] = points.latitudes[i]!
      packed.longitudes[at] = points.longitudes[i]!
      packed.rowids[at] = points.rowids[i]!
      if (points.rowids[i]! > this.maxRowid) this.maxRowid = points.rowids[i]!
    }
    this.packed = packed
    this.live = new Uint8Array(packed.length).fill(1)
    this.added = new Points()
    this.freeAdded.length = 0
    this.cells = cells
    this.count = packed.length
  }

  /**
   * Entries within `radiusMetres` of `center` (haversine, the same function as the brute-force
   * reference) that pass `accept`. `accept` is where a jurisdiction test joins the query, before
   * ranking and limits.
   */
  within(center: LatLon, radiusMetres: number, accept?: (latitude: number, longitude: number) => boolean): LocationHits {
    // Hits go to the index's scratch arrays and leave as exact-size copies: growing JS arrays hit by
    // hit made a 2 km search allocate ~300 KB of short-lived heap, a minor GC every few requests.
    let hits = this.scratch
    let count = 0
    const point = {latitude: 0, longitude: 0}
    for (const box of boundingBoxes(center, radiusMetres)) {
      const consider = (points: Points, i: number, slot: number) => {
        const latitude = points.latitudes[i]!
        const longitude = points.longitudes[i]!
        if (latitude < box.minLatitude || latitude > box.maxLatitude || longitude < box.minLongitude || longitude > box.maxLongitude) return
        point.latitude = latitude
        point.longitude = longitude
        const distance = distanceMetres(center, point)
        if (distance > radiusMetres || (accept && !accept(latitude, longitude))) return
        hits.slots[count] = slot
        hits.rowids[count] = points.rowids[i]!
        hits.distances[count++] = distance
      }
      for (const cell of this.cellsIn(box.minLatitude, box.maxLatitude, box.minLongitude, box.maxLongitude)) {
        const room = count + cell.end - cell.start + (cell.added?.length ?? 0)
        if (room > hits.slots.length) hits = this.scratch = new Hits(Math.max(room, 2 * hits.slots.length), hits, count)
        for (let i = cell.start; i < cell.end; i++) if (this.live[i]) consider(this.packed, i, i)
        if (cell.added) for (const slot of cell.added) consider(this.added, slot - this.packed.length, slot)
      }
    }
    return new LocationHits(count, hits.slots.slice(0, count), hits.rowids.slice(0, count), hits.distances.slice(0, count))
  }

  private cellsIn(minLatitude: number, maxLatitude: number, minLongitude: number, maxLongitude: number): Cell[] {
    const lat0 = Math.floor((minLatitude + 90) / CELL_DEGREES)
    const lat1 = Math.floor((maxLatitude + 90) / CELL_DEGREES)
    const lon0 = Math.floor((minLongitude + 180) / CELL_DEGREES)
    const lon1 = Math.floor((maxLongitude + 180) / CELL_DEGREES)
    const found: Cell[] = []
    if ((lat1 - lat0 + 1) * (lon1 - lon0 + 1) > this.cells.size) {
      // Huge boxes (near a pole, continental radii): walking the occupied cells is cheaper.
      for (const [key, cell] of this.cells) {
        const lat = Math.floor(key / LON_CELLS)
        const lon = key % LON_CELLS
        if (lat >= lat0 && lat <= lat1 && lon >= lon0 && lon <= lon1) found.push(cell)
      }
      return found
    }
    for (let lat = lat0; lat <= lat1; lat++) {
      for (let lon = lon0; lon <= lon1; lon++) {
        const cell = this.cells.get(lat * LON_CELLS + lon)
        if (cell) found.push(cell)
      }
    }
    return found
  }
}

interface Entry {
  index: CameraLocations
  /** `PRAGMA data_version`, prepared once: `db.pragma()` compiles it on every call (9 of a 300 m search's 30 µs of fixed cost). */
  dataVersion: Statement<[]>
  maxRowid: Statement<[]>
  rowsAfter: Statement<[number]>
}

const indexes = new WeakMap<Db, Entry>()

/** Reads rows above the highest rowid the index has seen (inserts by any statement on this connection). */
function catchUp(entry: Entry): void {
  const max = (entry.maxRowid.get() as number | null) ?? 0
  if (max <= entry.index.maxRowid) return
  for (const [rowid, latitude, longitude] of entry.rowsAfter.iterate(entry.index.maxRowid) as IterableIterator<[number, number, number]>) entry.index.add(rowid, latitude, longitude)
}

/** The connection's index, current with everything committed (and everything this connection wrote). */
export function cameraLocations(db: Db): CameraLocations {
  let entry = indexes.get(db)
  const dataVersion = entry?.dataVersion ?? db.prepare('PRAGMA data_version').pluck()
  const version = dataVersion.get() as number
  if (!entry || entry.index.dataVersion !== version) {
    entry = {
      index: new CameraLocations(),
      dataVersion,
      maxRowid: entry?.maxRowid ?? db.prepare('SELECT max(rowid) FROM cameras').pluck(),
      rowsAfter: entry?.rowsAfter ?? db.prepare('SELECT rowid, latitude, longitude FROM cameras WHERE rowid > ?').raw(),
    }
    entry.index.dataVersion = version
    const all = new Points(Math.max(1024, (entry.maxRowid.get() as number | null) ?? 0))
    for (const [rowid, latitude, longitude] of entry.rowsAfter.iterate(0) as IterableIterator<[number, number, number]>) all.push(rowid, latitude, longitude)
    entry.index.layOut(all)
    indexes.set(db, entry)
  }
  catchUp(entry)
  if (entry.index.wantsPacking) entry.index.pack()
  return entry.index
}

/**
 * A camera moved: index its new position now, inside the writer's transaction. (New rows need no
 * call: the catch-up by rowid finds them, and indexing one here would skip the rows before it.)
 */
export function noteCameraLocation(db: Db, rowid: number, latitude: number, longitude: number): void {
  const index = indexes.get(db)?.index
  if (index && rowid <= index.maxRowid) index.add(rowid, latitude, longitude)
}

/** After bulk changes that may have moved many cameras: the next search rebuilds from the table. */
export function invalidateCameraLocations(db: Db): void {
  const entry = indexes.get(db)
  if (entry) entry.index.dataVersion = -1
}
