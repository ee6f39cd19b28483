import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {clip, parseOffset} from '../../src/lib/media/clip.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {probeStream} from '../../src/lib/media/probe.js'
import {redactText, redactUrl, withCredentials} from '../../src/lib/media/redact.js'
import {type RtspServer, startRtspServer} from '../../src/lib/media/rtsp-server.js'
import {snapshot} from '../../src/lib/media/snapshot.js'
import {TestPatternFeed} from '../../src/lib/media/test-pattern.js'
import type {RtccError} from '../../src/lib/errors.js'

const HOST = '127.0.6.11'
const AUTH = {user: 'admin', password: 'p@ss:word'}
const url = (path: string, auth = AUTH) => withCredentials(`rtsp://${HOST}:${server.port}${path}`, auth.user, auth.password)
let server: RtspServer
let feed: TestPatternFeed
let dir: string

beforeAll(async () => {
  feed = new TestPatternFeed({label: 'Media Test', width: 320, height: 240, fps: 10})
  server = await startRtspServer({host: HOST, port: 0, feeds: {'/live': feed}, auth: AUTH})
  dir = mkdtempSync(join(tmpdir(), 'rtcc-media-'))
})

afterAll(async () => {
  feed.stop()
  await server.close()
  rmSync(dir, {recursive: true, force: true})
})

const failure = async (promise: Promise<unknown>): Promise<RtccError> => {
  try {
    await promise
  } catch (error) {
    return error as RtccError
  }
  throw new Error('expected a failure')
}

describe('credential redaction', () => {
  it('removes user and password from URLs and from free text', () => {
    expect(redactUrl('rtsp://admin:secret@10.0.0.5:554/live?x=1')).toBe('rtsp://***@10.0.0.5:554/live?x=1')
    expect(redactText('[rtsp @ 0x1] method DESCRIBE failed: rtsp://u:p%40ss@h/s and http://a:b@c/d')).toBe('[rtsp @ 0x1] method DESCRIBE failed: rtsp://***@h/s and http://***@c/d')
    expect(withCredentials('rtsp://h/s', 'a b', 'p@ss')).toBe('rtsp://a%20b:p%40ss@h/s')
  })
})

describe('RTSP server with the test pattern', () => {
  it('serves H.264 that ffprobe reads as 320x240 at 10 fps, with Digest auth', async () => {
    const info = await probeStream(url('/live'))
    expect(info).toMatchObject({codec: 'h264', width: 320, height: 240, fps: 10, format: 'rtsp', durationSeconds: null})
    expect(info.source).toBe(`rtsp://***@${HOST}:${server.port}/live`)
  })

  it('serves several viewers at once: a probe and a snapshot in parallel', async () => {
    const [info, jpeg] = await Promise.all([probeStream(url('/live')), snapshot(url('/live'))])
    expect(info.codec).toBe('h264')
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]))
    expect(jpeg.length).toBeGreaterThan(2000)
  })

  it('rejects a wrong password without printing it', async () => {
    const error = await failure(probeStream(url('/live', {user: 'admin', password: 'not-it'})))
    expect(error.code).toBe('credentials_rejected')
    expect(JSON.stringify({m: error.message, w: error.where, d: error.details})).not.toContain('not-it')
  })

  it('answers 404 for an unknown stream and reports an unreachable port', async () => {
    expect((await failure(probeStream(url('/nope')))).code).toBe('not_found')
    expect((await failure(probeStream(`rtsp://${HOST}:1/live`, {timeoutMs: 5000}))).code).toBe('unreachable')
  })

  it('stops counting a viewer once it disconnects', async () => {
    await probeStream(url('/live'))
    await new Promise((r) => setTimeout(r, 200))
    expect(server.viewers()).toBe(0)
  })
})

describe('files', () => {
  let video: string
  beforeAll(() => {
    video = join(dir, 'source.mp4')
    execFileSync(ffmpegPath(), ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '4', '-c:v', 'libx264', '-g', '10', '-pix_fmt', 'yuv420p', video])
  })

  it('probes a file with its duration', async () => {
    const info = await probeStream(video)
    expect(info).toMatchObject({codec: 'h264', width: 160, height: 120, fps: 10})
    expect(info.durationSeconds).toBeCloseTo(4, 0)
  })

  it('cuts a clip by stream copy and leaves no partial file', async () => {
    const out = join(dir, 'clip.mp4')
    const result = await clip(video, {fromSeconds: 1, toSeconds: 3, output: out})
    expect(result.bytes).toBeGreaterThan(1000)
    const info = await probeStream(out)
    expect(info.codec).toBe('h264')
    expect(info.durationSeconds!).toBeGreaterThan(1.5)
    expect(info.durationSeconds!).toBeLessThan(2.6)
    expect(readFileSync(out).length).toBe(result.bytes)
  })

  it('refuses to overwrite, and a --to before --from, leaving the existing file untouched', async () => {
    const out = join(dir, 'existing.mp4')
    writeFileSync(out, 'keep me')
    expect((await failure(clip(video, {toSeconds: 2, output: out}))).code).toBe('exists')
    expect((await failure(clip(video, {fromSeconds: 3, toSeconds: 2, output: join(dir, 'x.mp4')}))).code).toBe('usage')
    expect(readFileSync(out, 'utf8')).toBe('keep me')
  })

  it('says clearly when the input is missing or not video', async () => {
    expect((await failure(probeStream(join(dir, 'missing.mp4')))).code).toBe('not_found')
    const text = join(dir, 'notes.mp4')
    writeFileSync(text, 'this is not a video\n'.repeat(50))
    expect((await failure(probeStream(text))).code).toBe('not_media')
    expect((await failure(snapshot(text))).code).toBe('not_media')
  })

  it('parses clip offsets', () => {
    expect(parseOffset('90', '--from')).toBe(90)
    expect(parseOffset('1.5m', '--from')).toBe(90)
    expect(parseOffset('00:01:30', '--from')).toBe(90)
    expect(parseOffset('01:30.5', '--from')).toBe(90.5)
    expect(() => parseOffset('soon', '--to')).toThrow(/--to soon/)
  })
})
