/**
 * A character-grid map around one point (a panic location): the incident at the centre, the search
 * radius as a ring, registered cameras as dots (a digit when several share a cell) and the cameras the
 * panic shares as diamonds. Terminal cells are about twice as tall as wide, so a row spans twice the
 * metres of a column and the ring comes out round. An equirectangular projection is exact enough
 * over a few hundred metres.
 */
import type {LatLon} from '../model/event-map.js'

export type MapMark = 'camera' | 'shared'

export interface MapPoint extends LatLon {
  mark: MapMark
}

export interface MiniMapOptions {
  center: LatLon
  radiusMetres: number
  width: number
  height: number
  points: MapPoint[]
  /** Plain ASCII glyphs, for terminals without Unicode. */
  ascii?: boolean
}

export interface MiniMap {
  lines: string[]
  metresPerColumn: number
  /** Points that fell inside the drawn area. */
  shown: number
}

const METRES_PER_DEGREE_LAT = 110_574
const METRES_PER_DEGREE_LON = 111_320

const GLYPHS = {
  unicode: {incident: '✖', shared: '◆', camera: '•', ring: '·', many: '+'},
  ascii: {incident: 'X', shared: '#', camera: 'o', ring: '.', many: '+'},
}

export function offsetMetres(center: LatLon, point: LatLon): {east: number; north: number} {
  return {
    east: (point.longitude - center.longitude) * METRES_PER_DEGREE_LON * Math.cos((center.latitude * Math.PI) / 180),
    north: (point.latitude - center.latitude) * METRES_PER_DEGREE_LAT,
  }
}

export function renderMiniMap(options: MiniMapOptions): MiniMap {
  const {width, height, radiusMetres} = options
  const glyph = options.ascii ? GLYPHS.ascii : GLYPHS.unicode
  // Fit the circle: width columns of s metres, height rows of 2s metres, with a cell to spare.
  const s = Math.max((2 * radiusMetres) / Math.max(1, width - 1), radiusMetres / Math.max(1, height - 1))
  const midCol = (width - 1) / 2
  const midRow = (height - 1) / 2
  const grid: string[][] = Array.from({length: height}, (_, row) =>
    Array.from({length: width}, (_, col) => {
      const distance = Math.hypot((col - midCol) * s, (row - midRow) * 2 * s)
      return Math.abs(distance - radiusMetres) < s * 0.75 ? glyph.ring : ' '
    }),
  )
  const counts = new Map<string, {n: number; shared: boolean}>()
  let shown = 0
  for (const point of options.points) {
    const {east, north} = offsetMetres(options.center, point)
    const col = Math.round(midCol + east / s)
    const row = Math.round(midRow - north / (2 * s))
    if (col < 0 || col >= width || row < 0 || row >= height) continue
    shown++
    const cell = `${row},${col}`
    const current = counts.get(cell) ?? {n: 0, shared: false}
    counts.set(cell, {n: current.n + 1, shared: current.shared || point.mark === 'shared'})
  }
  for (const [cell, {n, shared}] of counts) {
    const [row, col] = cell.split(',').map(Number) as [number, number]
    grid[row]![col] = shared ? glyph.shared : n === 1 ? glyph.camera : n <= 9 ? String(n) : glyph.many
  }
  grid[Math.round(midRow)]![Math.round(midCol)] = glyph.incident
  return {lines: grid.map((cells) => cells.join('')), metresPerColumn: s, shown}
}

/** A scale bar about `columns` wide, rounded to a friendly distance: `├──── 100 m ────┤`. */
export function scaleBar(metresPerColumn: number, columns: number, ascii = false): string {
  const target = metresPerColumn * columns
  const nice = [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000].filter((m) => m <= target).pop() ?? Math.round(target)
  const cols = Math.max(3, Math.round(nice / metresPerColumn))
  const label = nice >= 1000 ? ` ${nice / 1000} km ` : ` ${nice} m `
  const dash = ascii ? '-' : '─'
  const left = Math.max(0, Math.floor((cols - 2 - label.length) / 2))
  const right = Math.max(0, cols - 2 - label.length - left)
  return `${ascii ? '|' : '├'}${dash.repeat(left)}${label}${dash.repeat(right)}${ascii ? '|' : '┤'}`
}
