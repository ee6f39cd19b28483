/**
 * One live MPEG-TS stream from a Core, fanned out to any number of viewers. A viewer that joins gets
 * PAT, PMT and the packets since the last keyframe (so its player shows a picture at once), then the
 * live packets. A viewer that falls more than MAX_QUEUED_BYTES behind skips ahead to the next
 * keyframe instead of buffering without bound.
 */
import {PACKET_SIZE, packetPid, PacketSplitter, payloadStart, pmtPidFromPat, randomAccess, videoPidFromPmt} from './mpegts.js'

export interface Sink {
  write(chunk: Buffer): unknown
  readonly writableLength: number
}

interface Watcher {
  sink: Sink
  /** Waiting for a keyframe (just joined before any, or skipped ahead after falling behind). */
  waiting: boolean
}

const MAX_QUEUED_BYTES = 4 * 1024 * 1024
/** A GOP longer than this is not cached (joiners wait for the next keyframe). */
const MAX_GOP_BYTES = 16 * 1024 * 1024
const STATS_WINDOW_MS = 5000

export class TsFanout {
  private readonly splitter = new PacketSplitter()
  private pat?: Buffer
  private pmt?: Buffer
  private pmtPid?: number
  private videoPid?: number
  private gop: Buffer[] = []
  private gopBytes = 0
  private readonly watchers = new Set<Watcher>()
  private readonly samples: {at: number; bytes: number; frames: number}[] = []
  private resolveReady!: () => void
  /** Resolves at the first keyframe: from then on a viewer sees a picture at once. */
  readonly ready: Promise<void>
  totalBytes = 0

  constructor(private readonly now: () => number = Date.now) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve))
  }

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length
    const packets = this.splitter.split(chunk)
    let frames = 0
    // Index of the first keyframe packet in this chunk, for viewers waiting for one.
    let keyAt = -1
    for (const [i, p] of packets.entries()) {
      const pid = packetPid(p)
      if (pid === 0) {
        this.pat = Buffer.from(p)
        this.pmtPid = pmtPidFromPat(p) ?? this.pmtPid
      } else if (pid === this.pmtPid) {
        this.pmt = Buffer.from(p)
        this.videoPid = videoPidFromPmt(p) ?? this.videoPid
      } else if (pid === this.videoPid && payloadStart(p)) {
        frames++
        if (randomAccess(p)) {
          if (keyAt < 0) keyAt = i
          this.gop = []
          this.gopBytes = 0
          if (this.pat && this.pmt) this.resolveReady()
        }
      }
      if (pid !== 0 && pid !== this.pmtPid && (this.gop.length > 0 || (pid === this.videoPid && randomAccess(p)))) {
        this.gopBytes += PACKET_SIZE
        if (this.gopBytes <= MAX_GOP_BYTES) this.gop.push(Buffer.from(p))
      }
    }
    this.sample(chunk.length, frames)
    if (packets.length === 0) return
    const all = Buffer.concat(packets)
    for (const w of this.watchers) {
      if (w.sink.writableLength > MAX_QUEUED_BYTES) w.waiting = true
      if (!w.waiting) w.sink.write(all)
      else if (keyAt >= 0 && w.sink.writableLength <= MAX_QUEUED_BYTES && this.pat && this.pmt) {
        w.waiting = false
        w.sink.write(Buffer.concat([this.pat, this.pmt, ...packets.slice(keyAt)]))
      }
    }
  }

  /** Adds a viewer; returns the function that removes it. */
  attach(sink: Sink): () => void {
    const watcher: Watcher = {sink, waiting: true}
    const head = this.joinHead()
    if (head) {
      sink.write(head)
      watcher.waiting = false
    }
    this.watchers.add(watcher)
    return () => this.watchers.delete(watcher)
  }

  /** PAT, PMT and the current GOP: a self-contained start of the stream (also what a snapshot decodes). */
  joinHead(): Buffer | undefined {
    if (!this.pat || !this.pmt || this.gop.length === 0 || this.gopBytes > MAX_GOP_BYTES) return undefined
    return Buffer.concat([this.pat, this.pmt, ...this.gop])
  }

  get viewers(): number {
    return this.watchers.size
  }

  /** Bits per second and frames per second over the last few seconds. */
  stats(): {bitrate: number | null; fps: number | null} {
    this.trim()
    if (this.samples.length < 2) return {bitrate: null, fps: null}
    const span = (this.samples.at(-1)!.at - this.samples[0]!.at) / 1000
    if (span <= 0) return {bitrate: null, fps: null}
    // The first sample opens the window; its bytes and frames arrived before it.
    const rest = this.samples.slice(1)
    const bytes = rest.reduce((n, s) => n + s.bytes, 0)
    const frames = rest.reduce((n, s) => n + s.frames, 0)
    return {bitrate: Math.round((bytes * 8) / span), fps: Math.round((frames / span) * 10) / 10}
  }

  private sample(bytes: number, frames: number): void {
    this.samples.push({at: this.now(), bytes, frames})
    this.trim()
  }

  private trim(): void {
    const horizon = this.now() - STATS_WINDOW_MS
    while (this.samples.length > 2 && this.samples[0]!.at < horizon) this.samples.shift()
  }
}
