/**
 * Just enough of fragmented MP4 (ISO/IEC 14496-12) to fan a live stream out to viewers who join at
 * any time. The Core's ffmpeg writes `ftyp` + `moov` (the init segment, no samples) and then one
 * `moof` + `mdat` fragment per keyframe interval (`-movflags frag_keyframe+empty_moov`), so every
 * fragment starts with a keyframe: a viewer gets the init segment and the newest fragment, and
 * decodes at once. Only top-level box sizes and types are read, plus each fragment's sample count
 * (`moof/traf/trun`) for the frame rate. Hand-written because the boxes needed are fixed-layout
 * headers; npm's MP4 libraries (mp4box.js) are full demuxers, far more than this needs.
 */
export const MAX_BOX_BYTES = 16 * 1024 * 1024

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
  private buffer: Buffer = Buffer.alloc(0)
  private init: Buffer[] = []
  private moof?: Buffer
  private initDone = false

  push(chunk: Buffer): Piece[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk
    const pieces: Piece[] = []
    let at = 0
    for (;;) {
      const size = boxSize(this.buffer, at)
      if (size === undefined) break
      if (size < 8 || size > MAX_BOX_BYTES) throw new BoxTooLarge(`an MP4 box of ${size} bytes`)
      if (this.buffer.length - at < size) break
      const box = Buffer.from(this.buffer.subarray(at, at + size))
      const type = boxType(box, 0)
      at += size
      if (!this.initDone) {
        if (type === 'moof') {
          this.initDone = true
          pieces.push({kind: 'init', data: Buffer.concat(this.init)})
          this.moof = box
        } else this.init.push(box)
      } else if (type === 'moof') this.moof = box
      else if (type === 'mdat' && this.moof) {
        pieces.push({kind: 'fragment', data: Buffer.concat([this.moof, box]), samples: sampleCount(this.moof)})
        this.moof = undefined
      }
    }
    this.buffer = this.buffer.subarray(at)
    return pieces
  }
}
