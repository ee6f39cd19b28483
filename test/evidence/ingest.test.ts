import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {createReadStream, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ingestVideo} from '../../src/lib/evidence/ingest.js'
import {extensionFor} from '../../src/lib/evidence/probe.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {blobPath, collect, drain, filesOnDisk, makeTestVideo, openStore, tempDir} from './helpers.js'

let work: {dir: string; cleanup: () => void}
let mp4: string
let mkv: string

beforeAll(() => {
  work = tempDir('rtcc-ingest-')
  mp4 = makeTestVideo(join(work.dir, 'front-door.mp4')) // moov atom at the end: ffprobe must seek
  mkv = makeTestVideo(join(work.dir, 'yard.mkv'), {seconds: 2, size: '160x120', fps: 10})
})
afterAll(() => work.cleanup())

async function freshStore(options = {}) {
  const {dir, cleanup} = tempDir()
  const opened = await openStore(dir, {segmentSize: 16 * 1024, ...options})
  return {dir, cleanup, ...opened}
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

describe('ingestVideo with real ffmpeg video', () => {
  it('stores an MP4 encrypted, probes it, and gives back the exact bytes with their hash verified', async () => {
    const {store, cleanup} = await freshStore()
    try {
      const original = readFileSync(mp4)
      const ingested = await ingestVideo(store, createReadStream(mp4, {highWaterMark: 7000}), {label: 'front-door.mp4'})
      expect(ingested.sha256).toBe(sha256(original))
      expect(ingested.bytes).toBe(original.length)
      expect(ingested.media).toMatchObject({codec: 'h264', width: 320, height: 240, fps: 15, audioCodec: null})
      expect(ingested.media.container).toContain('mp4')
      expect(ingested.media.durationSeconds).toBeCloseTo(3, 0)
      expect(extensionFor(ingested.media.container)).toBe('.mp4')
      const back = await collect(await store.read(ingested.id, ingested))
      expect(back.equals(original)).toBe(true)
    } finally {
      cleanup()
    }
  })

  it('accepts Matroska too', async () => {
    const {store, cleanup} = await freshStore()
    try {
      const ingested = await ingestVideo(store, createReadStream(mkv))
      expect(ingested.media).toMatchObject({codec: 'h264', width: 160, height: 120, fps: 10})
      expect(extensionFor(ingested.media.container)).toBe('.mkv')
    } finally {
      cleanup()
    }
  })

  it('accepts an MPEG-TS recorder export (which crashes the bundled ffprobe) and keeps it byte for byte', async () => {
    const ts = makeTestVideo(join(work.dir, 'nvr-export.ts'), {seconds: 3, size: '320x240', fps: 25, args: ['-f', 'mpegts']})
    const {store, cleanup} = await freshStore()
    try {
      const ingested = await ingestVideo(store, createReadStream(ts), {label: 'nvr-export.ts'})
      expect(ingested.media).toMatchObject({container: 'mpegts', codec: 'h264', width: 320, height: 240, fps: 25})
      expect(ingested.media.durationSeconds).toBeCloseTo(3, 0)
      expect(extensionFor(ingested.media.container)).toBe('.ts')
      expect((await collect(await store.read(ingested.id, ingested))).equals(readFileSync(ts))).toBe(true)
    } finally {
      cleanup()
    }
  })

  it('accepts raw H.264 and H.265 elementary streams, measuring their duration from the frames', async () => {
    const h264 = makeTestVideo(join(work.dir, 'dvr-ch1.264'), {seconds: 4, size: '320x240', fps: 25, args: ['-f', 'h264']})
    const h265 = join(work.dir, 'dvr-ch2.265')
    execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'libx265', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p', '-f', 'hevc', h265])
    const {store, cleanup} = await freshStore()
    try {
      const avc = await ingestVideo(store, createReadStream(h264), {label: 'dvr-ch1.264'})
      expect(avc.media).toMatchObject({container: 'h264', codec: 'h264', width: 320, height: 240, fps: 25})
      expect(avc.media.durationSeconds).toBeCloseTo(4, 1)
      expect(extensionFor(avc.media.container)).toBe('.h264')
      const hevc = await ingestVideo(store, createReadStream(h265), {label: 'dvr-ch2.265'})
      expect(hevc.media).toMatchObject({container: 'hevc', codec: 'hevc', width: 320, height: 240})
      expect(hevc.media.durationSeconds).toBeCloseTo(2, 1)
      expect((await collect(await store.read(hevc.id, hevc))).equals(readFileSync(h265))).toBe(true)
    } finally {
      cleanup()
    }
  })

  it('detects a flipped byte in the stored video on download', async () => {
    const {dir, store, cleanup} = await freshStore()
    try {
      const ingested = await ingestVideo(store, createReadStream(mp4))
      const file = blobPath(dir, ingested.id)
      const bytes = readFileSync(file)
      bytes[Math.floor(bytes.length / 2)]! ^= 0x80
      writeFileSync(file, bytes)
      const {received, error} = await drain(await store.read(ingested.id, ingested))
      expect(error).toMatchObject({code: 'evidence_corrupt', where: ingested.id})
      expect(error!.message).toMatch(/FAILED integrity check: segment \d+ .*failed AES-GCM authentication/)
      expect(received.length).toBeLessThan(ingested.bytes)
    } finally {
      cleanup()
    }
  })

  it('rejects non-video uploads with a clear error and stores nothing', async () => {
    const {dir, store, cleanup} = await freshStore()
    try {
      const jpeg = join(work.dir, 'still.jpg')
      const mp3 = join(work.dir, 'tone.mp3')
      execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x64', '-frames:v', '1', jpeg])
      execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=1', mp3])
      const cases: [string, Buffer, RegExp][] = [
        ['notes.txt', Buffer.from('This is not a video, it is a shopping list.\n'.repeat(50)), /notes\.txt is not a video \(ffprobe cannot read it/],
        ['empty.mp4', Buffer.alloc(0), /empty\.mp4 is not a video \(the file is empty\)/],
        ['still.jpg', readFileSync(jpeg), /still\.jpg is not a video \(it is a still image/],
        ['tone.mp3', readFileSync(mp3), /tone\.mp3 is not a video \(it has no video stream\)/],
        ['truncated.mp4', readFileSync(mp4).subarray(0, 3000), /truncated\.mp4 is not a video/],
      ]
      for (const [label, bytes, message] of cases) {
        const attempt = ingestVideo(store, Readable.from([bytes]), {label})
        await expect(attempt, label).rejects.toMatchObject({code: 'not_video', where: label, message: expect.stringMatching(message)})
        await expect(attempt).rejects.toThrow('nothing was stored')
      }
      expect(filesOnDisk(dir)).toEqual([])
    } finally {
      cleanup()
    }
  })

  it('leaves no blob when the upload is killed midway', async () => {
    const {dir, store, cleanup} = await freshStore()
    try {
      const original = readFileSync(mp4)
      const source = new Readable({read() {}})
      const attempt = ingestVideo(store, source, {label: 'front-door.mp4'})
      source.push(original.subarray(0, original.length / 2))
      setTimeout(() => source.destroy(new Error('connection reset by client')), 30)
      await expect(attempt).rejects.toThrow('connection reset by client')
      expect(filesOnDisk(dir)).toEqual([])
    } finally {
      cleanup()
    }
  })

  it('rejects an upload over the size limit and stores nothing', async () => {
    const {dir, store, cleanup} = await freshStore({maxBytes: 10_000})
    try {
      await expect(ingestVideo(store, createReadStream(mp4))).rejects.toMatchObject({code: 'too_large'})
      expect(filesOnDisk(dir)).toEqual([])
    } finally {
      cleanup()
    }
  })
})
