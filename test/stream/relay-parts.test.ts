/** The server's pieces of the relay, on real ffmpeg output: fMP4 splitting, fan-out joins, signed watch URLs. */
import {execFileSync} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {describe, expect, it} from 'vitest'

import {Fmp4Fanout} from '../../src/lib/server/core-link/fanout.js'
import {BoxTooLarge, Fmp4Splitter, type Piece} from '../../src/lib/server/core-link/fmp4.js'
import {WatchUrlSigner} from '../../src/lib/server/core-link/watch-url.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'

/** 3 s of 10 fps H.264 with a keyframe every 10 frames, as the Core's relay writes it. */
const fragmented = execFileSync(ffmpegPath(), [
  '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10', '-t', '3',
  '-c:v', 'libx264', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
  '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1',
], {maxBuffer: 64 * 1024 * 1024})

const decodable = (bytes: Buffer): number =>
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'mp4', '-i', 'pipe:0', '-f', 'framemd5', 'pipe:1'], {input: bytes}).toString().split('\n').filter((l) => /^\d+,/.test(l)).length

describe('fragmented MP4 splitting', () => {
  it('finds the init segment and one fragment per keyframe interval, whatever the chunk boundaries', () => {
    for (const chunkSize of [1, 7, 188, 4096, fragmented.length]) {
      const splitter = new Fmp4Splitter()
      const pieces: Piece[] = []
      for (let i = 0; i < fragmented.length; i += chunkSize) pieces.push(...splitter.push(fragmented.subarray(i, i + chunkSize)))
      expect(pieces[0]!.kind, `chunks of ${chunkSize}`).toBe('init')
      const fragments = pieces.filter((p) => p.kind === 'fragment')
      expect(fragments).toHaveLength(3)
      expect(fragments.map((f) => (f as {samples: number}).samples)).toEqual([10, 10, 10])
    }
  })

  it('refuses a box that claims to be larger than any fragment can be', () => {
    const huge = Buffer.alloc(8)
    huge.writeUInt32BE(0xfffffff0, 0)
    huge.write('mdat', 4, 'latin1')
    expect(() => new Fmp4Splitter().push(huge)).toThrow(BoxTooLarge)
  })
})

describe('fan-out to viewers who join late', () => {
  it('gives a late viewer the init segment and the newest fragment, which decode on their own', () => {
    const fanout = new Fmp4Fanout()
    const early: Buffer[] = []
    fanout.attach({write: (b: Buffer) => early.push(b), writableLength: 0})
    fanout.push(fragmented.subarray(0, Math.floor(fragmented.length * 0.8)))
    const late: Buffer[] = []
    fanout.attach({write: (b: Buffer) => late.push(b), writableLength: 0})
    fanout.push(fragmented.subarray(Math.floor(fragmented.length * 0.8)))
    expect(decodable(Buffer.concat(early))).toBe(30)
    // The late viewer starts on the fragment current when it joined (a keyframe), then gets the rest.
    expect(decodable(Buffer.concat(late))).toBe(20)
  })

  it('skips fragments for a viewer too far behind instead of queueing without bound', () => {
    const fanout = new Fmp4Fanout()
    const written: Buffer[] = []
    fanout.attach({write: (b: Buffer) => written.push(b), writableLength: 64 * 1024 * 1024})
    fanout.push(fragmented)
    expect(written).toEqual([])
  })
})

describe('signed watch URLs', () => {
  const signer = new WatchUrlSigner(Buffer.alloc(32, 7))
  const claims = {streamId: randomUUID(), viewId: randomUUID(), expiresAt: Date.now() + 60_000}

  it('round-trips, fits in a path segment, and expires', () => {
    const token = signer.sign(claims)
    expect(token).toMatch(/^[A-Za-z0-9_-]{71}$/)
    expect(signer.verify(token, Date.now())).toMatchObject({streamId: claims.streamId, viewId: claims.viewId})
    expect(signer.verify(token, claims.expiresAt + 1000)).toBeUndefined()
  })

  it('refuses a token changed anywhere, or signed under another key', () => {
    const token = signer.sign(claims)
    for (const i of [0, 10, 40, 70]) {
      const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
      expect(signer.verify(flipped, Date.now()), `character ${i}`).toBeUndefined()
    }
    expect(new WatchUrlSigner(Buffer.alloc(32, 8)).verify(token, Date.now())).toBeUndefined()
  })
})
