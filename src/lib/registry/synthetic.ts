/**
 * Deterministic synthetic cameras as CSV text, for benchmarks and large-file tests: `count` valid rows
 * scattered within `spreadMetres` (roughly) of a centre, produced in chunks so that no caller needs the
 * whole file in memory.
 */
import {COLUMN_NAMES} from './columns.js'
import {LOCATION_TYPES} from '../domain/camera.js'

export interface SyntheticOptions {
  center?: {latitude: number; longitude: number}
  spreadMetres?: number
  source?: string
  /** Rows per yielded chunk. */
  chunkRows?: number
}

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same file, registry and points. */
export function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function* syntheticCameraCsv(count: number, options: SyntheticOptions = {}): Generator<string> {
  const {latitude, longitude} = options.center ?? {latitude: 41.8781, longitude: -87.6298}
  const spread = (options.spreadMetres ?? 30_000) / 111_195
  const lonScale = 1 / Math.cos((latitude * Math.PI) / 180)
  const source = options.source ?? 'synthetic'
  const chunkRows = options.chunkRows ?? 1000
  const next = random(count)
  let chunk = COLUMN_NAMES.join(',') + '\n'
  for (let i = 1; i <= count; i++) {
    const lat = (latitude + (next() * 2 - 1) * spread).toFixed(6)
    const lon = (longitude + (next() * 2 - 1) * spread * lonScale).toFixed(6)
    const type = LOCATION_TYPES[i % LOCATION_TYPES.length]
    const records = i % 4 !== 0
    chunk +=
      `ext-${i},${source},Camera ${i},${lat},${lon},"${i} W Example St, Chicago",${type},Axis,P3245,` +
      `entrance and sidewalk,${(i * 37) % 360},${60 + (i % 60)},${records ? 'yes' : 'no'},${records ? 7 + (i % 60) : ''},` +
      `${i % 3 === 0 ? 'yes' : 'no'},"front,street",owner${i % 5000}@example.com,Owner ${i % 5000},,\n`
    if (i % chunkRows === 0) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk) yield chunk
}
