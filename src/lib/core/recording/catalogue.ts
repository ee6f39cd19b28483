/**
 * What the Core holds for a camera over a window, read from its chain: the time ranges with video
 * (kept segments, adjacent ones merged), the gaps, and the segments a pull would use.
 */
import type {ChainEntry, Gap, TimeRange} from '../../domain/recording.js'
import type {CameraChain} from './chain.js'
import {keptSegments} from './retention.js'

/** Segments closer than this are one range (the cut between segments is not a gap). */
const JOIN_MS = 1500

const overlaps = (e: {start: string; end: string}, window: TimeRange) => Date.parse(e.start) < Date.parse(window.to) && Date.parse(e.end) > Date.parse(window.from)

export function segmentsIn(chain: CameraChain, window: TimeRange): {entry: ChainEntry; path: string}[] {
  return keptSegments(chain).filter((k) => overlaps(k.entry, window))
}

export function gapsIn(chain: CameraChain, window: TimeRange): Gap[] {
  return chain.entries.filter((e) => e.kind === 'gap' && overlaps(e, window)).map((e) => ({from: e.start, to: e.end, reason: e.reason ?? 'no video'}))
}

export function rangesIn(chain: CameraChain, window: TimeRange): TimeRange[] {
  const ranges: TimeRange[] = []
  for (const {entry} of segmentsIn(chain, window)) {
    const last = ranges.at(-1)
    if (last && Date.parse(entry.start) - Date.parse(last.to) <= JOIN_MS) last.to = entry.end
    else ranges.push({from: entry.start, to: entry.end})
  }
  return ranges
}
