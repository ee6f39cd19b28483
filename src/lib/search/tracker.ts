/**
 * Links detections across frames into sightings with a greedy IoU tracker: a detection joins the open
 * track of the same label it overlaps most (IoU ≥ 0.3); a track not seen for a while is closed. Enough
 * for ~2 fps footage of street scenes; no motion model, no re-identification (and no appearance
 * features of people, by design).
 */
import type {Box} from './detector.js'

export interface Track<F> {
  label: Box['label']
  firstSeconds: number
  lastSeconds: number
  /** The highest-scoring detection and what the caller attached to it (e.g. its frame). */
  best: Box
  bestSeconds: number
  bestFrame: F
  /** The latest box, which the next frame's detections are matched against. */
  last: Box
  detections: number
}

const MIN_IOU = 0.3

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1))
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1))
  const inter = ix * iy
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter
  return union > 0 ? inter / union : 0
}

export class Tracker<F> {
  private open: Track<F>[] = []
  private closed: Track<F>[] = []

  /** @param maxGapSeconds how long a track may go unseen and still continue. */
  constructor(private readonly maxGapSeconds: number) {}

  /** Adds one frame's detections at `seconds`; `frame` is kept only for a track's best detection. */
  update(seconds: number, boxes: Box[], frame: F): void {
    this.expire(seconds)
    const taken = new Set<Track<F>>()
    for (const box of [...boxes].sort((a, b) => b.score - a.score)) {
      let match: Track<F> | undefined
      let bestOverlap = MIN_IOU
      for (const track of this.open) {
        if (track.label !== box.label || taken.has(track)) continue
        const overlap = iou(track.last, box)
        if (overlap >= bestOverlap) [match, bestOverlap] = [track, overlap]
      }
      if (!match) {
        match = {label: box.label, firstSeconds: seconds, lastSeconds: seconds, best: box, bestSeconds: seconds, bestFrame: frame, last: box, detections: 0}
        this.open.push(match)
      }
      taken.add(match)
      match.last = box
      match.lastSeconds = seconds
      match.detections++
      if (box.score > match.best.score) Object.assign(match, {best: box, bestSeconds: seconds, bestFrame: frame})
    }
  }

  /** The scene has not changed since the last detection: whatever was there is still there. */
  extend(seconds: number): void {
    for (const track of this.open) track.lastSeconds = seconds
  }

  /** Tracks closed so far, handed over once (so their frames can be released as the video goes on). */
  takeClosed(): Track<F>[] {
    return this.closed.splice(0).sort((a, b) => a.firstSeconds - b.firstSeconds)
  }

  /** Closes every open track and hands over the rest. */
  finish(): Track<F>[] {
    this.closed.push(...this.open)
    this.open = []
    return this.takeClosed()
  }

  private expire(seconds: number): void {
    const stale = this.open.filter((t) => seconds - t.lastSeconds > this.maxGapSeconds)
    this.closed.push(...stale)
    this.open = this.open.filter((t) => !stale.includes(t))
  }
}
