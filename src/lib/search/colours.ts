/**
 * Named colours of an object from an HSV histogram of its box: each pixel votes for one of eleven
 * names (achromatic pixels by brightness, the rest by hue), and the names holding a fair share of the
 * box are its colours. Coarse on purpose: "red car", "blue jacket" is what an investigator types.
 */
import type {Box, Frame} from './detector.js'

export const COLOURS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown', 'white', 'grey', 'black'] as const
export type Colour = (typeof COLOURS)[number]

export const isColour = (value: string): value is Colour => (COLOURS as readonly string[]).includes(value)

/** A name needs this share of the (inner) box to count, and at most this many names are kept. */
const MIN_SHARE = 0.2
const MAX_NAMES = 2

/** One pixel's colour name. h in degrees 0–360, s and v 0–1. */
export function colourName(r: number, g: number, b: number): Colour {
  const max = Math.max(r, g, b)
  const min = Math.min(r, g, b)
  const v = max / 255
  const s = max === 0 ? 0 : (max - min) / max
  if (v < 0.2) return 'black'
  if (s < 0.2) return v > 0.8 ? 'white' : 'grey'
  const d = max - min
  let h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4
  h = (h * 60 + 360) % 360
  if (h < 15 || h >= 340) return v < 0.5 ? 'brown' : s < 0.5 ? 'pink' : 'red'
  if (h < 40) return v < 0.6 ? 'brown' : 'orange'
  if (h < 70) return v < 0.45 ? 'brown' : 'yellow'
  if (h < 165) return 'green'
  if (h < 255) return 'blue'
  if (h < 290) return 'purple'
  return 'pink'
}

/**
 * The dominant colour names inside a box, most common first. Only the middle of the box is sampled
 * (a detection box is mostly background at its edges).
 */
export function dominantColours(frame: Frame, box: Pick<Box, 'x1' | 'y1' | 'x2' | 'y2'>): Colour[] {
  const w = box.x2 - box.x1
  const h = box.y2 - box.y1
  const x0 = Math.max(0, Math.floor(box.x1 + w * 0.2))
  const x1 = Math.min(frame.width, Math.ceil(box.x2 - w * 0.2))
  const y0 = Math.max(0, Math.floor(box.y1 + h * 0.2))
  const y1 = Math.min(frame.height, Math.ceil(box.y2 - h * 0.2))
  const counts = new Map<Colour, number>()
  let total = 0
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * frame.width + x) * 3
      const name = colourName(frame.data[i]!, frame.data[i + 1]!, frame.data[i + 2]!)
      counts.set(name, (counts.get(name) ?? 0) + 1)
      total++
    }
  }
  return [...counts]
    .filter(([, n]) => n / Math.max(total, 1) >= MIN_SHARE)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_NAMES)
    .map(([name]) => name)
}
