/**
 * One live fragmented-MP4 stream from a Core, fanned out to any number of viewers. A viewer that
 * joins gets the init segment and the newest fragment (which starts with a keyframe, so its player
 * shows a picture at once), then each new fragment. A viewer more than MAX_QUEUED_BYTES behind skips
 * fragments until it has caught up, instead of buffering without bound.
 */
import {Fmp4Splitter, type Piece} from './fmp4.js'

export interface Sink {
  write(chunk: Buffer): unknown
  readonly writableLength: number
}

const MAX_QUEUED_BYTES = 4 * 1024 * 1024
const STATS_WINDOW_MS = 5000

export class Fmp4Fanout {
  private readonly splitter = new Fmp4Splitter()
  private init?: Buffer
  private latest?: Buffer
  private readonly sinks = new Set<Sink>()
  private readonly samples: {at: number; bytes: number; frames: number}[] = []
  private resolveReady!: () => void
  /** Resolves with the first fragment: from then on a viewer sees a picture at once. */
  readonly ready: Promise<void>
  totalBytes = 0

  constructor(private readonly now: () => number = Date.now) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve))
  }

  /** Takes the Core's bytes; throws BoxTooLarge on a stream that is not fragmented MP4. */
  push(chunk: Buffer): void {
    this.totalBytes += chunk.length
    for (const piece of this.splitter.push(chunk)) this.take(piece)
  }

  /** Adds a viewer; returns the function that removes it. */
  attach(sink: Sink): () => void {
    const head = this.joinHead()
    if (head) sink.write(head)
    this.sinks.add(sink)
    return () => this.sinks.delete(sink)
  }

  /** Init segment and newest fragment: a self-contained start of the stream (also what a snapshot decodes). */
  joinHead(): Buffer | undefined {
    return this.init && this.latest ? Buffer.concat([this.init, this.latest]) : undefined
  }

  /** Bits per second and frames per second over the last few seconds. */
  stats(): {bitrate: number | null; fps: number | null} {
    this.trim()
    if (this.samples.length < 2) return {bitrate: null, fps: null}
    const span = (this.samples.at(-1)!.at - this.samples[0]!.at) / 1000
    if (span <= 0) return {bitrate: null, fps: null}
    // The first sample opens the window; what it counts arrived before it.
    const rest = this.samples.slice(1)
    const bytes = rest.reduce((n, s) => n + s.bytes, 0)
    const frames = rest.reduce((n, s) => n + s.frames, 0)
    return {bitrate: Math.round((bytes * 8) / span), fps: Math.round((frames / span) * 10) / 10}
  }

  private take(piece: Piece): void {
    if (piece.kind === 'init') {
      this.init = piece.data
      return
    }
    // Viewers who attached before the first picture get the init segment with it.
    const head = this.latest ? undefined : this.init
    this.latest = piece.data
    this.samples.push({at: this.now(), bytes: piece.data.length, frames: piece.samples})
    this.trim()
    for (const sink of this.sinks) {
      if (sink.writableLength > MAX_QUEUED_BYTES) continue
      sink.write(head ? Buffer.concat([head, piece.data]) : piece.data)
    }
    if (head) this.resolveReady()
  }

  private trim(): void {
    const horizon = this.now() - STATS_WINDOW_MS
    while (this.samples.length > 2 && this.samples[0]!.at < horizon) this.samples.shift()
  }
}
