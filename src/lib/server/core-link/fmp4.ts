/**
 * Just enough of fragmented MP4 (ISO/IEC 14496-12) to fan a live stream out to viewers who join at
 * any time. The Core's ffmpeg writes `ftyp` + `moov` (the init segment, no samples) and then one
 * `moof` + `mdat` fragment per keyframe interval (`-movflags frag_keyframe+empty_moov`), so every
 * fragment starts with a keyframe: a viewer gets the init segment and the newest fragment, and
 * decodes at once. Only top-level box sizes and types are read, plus each fragment's sample count
 * (`moof/traf/trun`) for the frame rate. Hand-written because the boxes needed are fixed-layout
 * headers; npm's MP4 libraries (mp4box.js) are full demuxers, far more than this needs.
 */
/** A fragment is one keyframe interval: 32 MiB holds 8 s of a 30 Mbit/s camera. */
export const MAX_BOX_BYTES = 32 * 1024 * 1024

export type Piece = {kind: 'init'; data: Buffer} | {kind: 'fragment'; data: Buffer; samples: number}

export class BoxTooLarge extends Error {}

const boxType = (data: Buffer, at: number) => data.toString('latin1', at + 4, at + 8)

/** Size of the box at `at`, or undefined if its header is not complete yet (0 = to end of file: refused). */
function boxSize(data: Buffer, at: number): number | undefined {
  if (data.length - at < 8) return undefined
  const size = data.readUInt32BE(at)
  if (size === 1) return data.length - at < 16 ? undefined : Number(data.readBigUInt64BE(at + 8))
  return size
}

/** Children of a container box's payload, as [type, start, end]. */
function* children(data: Buffer, start: number, end: number): Generator<[string, number, number]> {
  for (let at = start; at + 8 <= end; ) {
    const size = boxSize(data, at)
    if (!size || size < 8 || at + size > end) return
    yield [boxType(data, at), at, at + size]
    at += size
  }
}

/** Samples in a `moof` (sum of its `traf/trun` sample counts). */
export function sampleCount(moof: Buffer): number {
  let samples = 0
  for (const [type, start, end] of children(moof, 8, moof.length)) {
    if (type !== 'traf') continue
    for (const [inner, at] of children(moof, start + 8, end)) if (inner === 'trun' && at + 16 <= end) samples += moof.readUInt32BE(at + 12)
  }
  return samples
}

/**
 * Cuts the byte stream into the init segment and whole fragments. A box header claiming more than
 * MAX_BOX_BYTES (or size 0, "to the end") throws BoxTooLarge: the stream is not what we expect.
 */
export class Fmp4Splitter {
  /** Bytes received and not yet cut into boxes, kept as chunks: each box is copied once, when complete. */
  private chunks: Buffer[] = []
  private length = 0
  /** Size of the box being received, once its header is in. */
  private pending?: number
  private init: Buffer[] = []
  private moof?: Buffer
  private initDone = false

  push(chunk: Buffer): Piece[] {
    this.chunks.push(chunk)
    this.length += chunk.length
    const pieces: Piece[] = []
    for (;;) {
      if (this.pending === undefined) {
        if (this.length < 8) break
        this.chunks = [Buffer.concat(this.chunks, this.length)]
        this.pending = boxSize(this.chunks[0]!, 0)
        if (this.pending === undefined) break
        if (this.pending < 8 || this.pending > MAX_BOX_BYTES) throw new BoxTooLarge(`an MP4 box of ${this.pending} bytes`)
      }
      const size = this.pending
      if (this.length < size) break
      this.pending = undefined
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length)
      const box = Buffer.from(all.subarray(0, size))
      this.chunks = all.length > size ? [all.subarray(size)] : []
      this.length -= size
      const piece = this.take(box)
      if (piece) pieces.push(piece)
    }
    return pieces
  }

  private take(box: Buffer): Piece | undefined {
    const type = boxType(box, 0)
    if (!this.initDone) {
      if (type !== 'moof') return void this.init.push(box)
      this.initDone = true
      this.moof = box
      return {kind: 'init', data: Buffer.concat(this.init)}
    }
    if (type === 'moof') this.moof = box
    else if (type === 'mdat' && this.moof) {
      const fragment: Piece = {kind: 'fragment', data: Buffer.concat([this.moof, box]), samples: sampleCount(this.moof)}
      this.moof = undefined
      return fragment
    }
    return undefined
  }
}
