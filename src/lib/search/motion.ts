/**
 * Motion gate by frame differencing: the share of sampled pixels whose brightness changed by more than
 * a threshold since the previous frame. A still scene then costs a decode and a subtraction per frame
 * instead of a detector run.
 */
import type {Frame} from './detector.js'

/** Brightness change (0–255) that counts a pixel as changed; above sensor noise and compression. */
const PIXEL_DELTA = 25
/** Share of changed pixels that counts as motion. */
const MOTION_SHARE = 0.002
/** Every 4th pixel of every 2nd row: plenty to see a person at 512 pixels wide. */
const STEP_X = 4
const STEP_Y = 2

const brightness = (d: Uint8Array, i: number) => (d[i]! * 3 + d[i + 1]! * 6 + d[i + 2]!) / 10

export function changedShare(previous: Frame, current: Frame): number {
  if (previous.width !== current.width || previous.height !== current.height) return 1
  let changed = 0
  let sampled = 0
  for (let y = 0; y < current.height; y += STEP_Y) {
    for (let x = 0; x < current.width; x += STEP_X) {
      const i = (y * current.width + x) * 3
      if (Math.abs(brightness(current.data, i) - brightness(previous.data, i)) > PIXEL_DELTA) changed++
      sampled++
    }
  }
  return sampled ? changed / sampled : 0
}

export const hasMotion = (previous: Frame | undefined, current: Frame): boolean => !previous || changedShare(previous, current) >= MOTION_SHARE
