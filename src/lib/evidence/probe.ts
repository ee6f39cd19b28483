/**
 * Is a stored upload really video? Asks ffprobe (through the media helper's probeStream) about the
 * decrypted bytes without writing plaintext to disk: the file is served to ffprobe over a loopback
 * HTTP server with Range support, on a random 128-bit path, for the few seconds the probe takes.
 * Ranges matter: an MP4 whose index (moov) sits at the end is read from two places, not in full.
 */
import {randomBytes} from 'node:crypto'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {pipeline} from 'node:stream'

import {measureDuration, probeStream} from '../media/probe.js'
import {RtccError} from '../errors.js'
import type {EvidenceStore, OpenedEvidence} from './store.js'

export interface VideoProbe {
  /** ffprobe's format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `mpegts`. */
  container: string
  codec: string
  durationSeconds: number
  width: number
  height: number
  fps: number | null
  audioCodec: string | null
}

export interface ProbeOptions {
  /** How the upload is named in errors (e.g. the file name the owner chose). */
  label?: string
  timeoutMs?: number
}

/** Single pictures and animations decode as "video" too; camera recordings never use these. */
const IMAGE_FORMAT = /(^|,)(image2|gif|apng|webp)(,|$)|_pipe$/

const HINT = 'Upload the recorder\'s video file (MP4, MKV, MOV, AVI, MPEG-TS or raw H.264/H.265), as exported from the camera or NVR; proprietary formats such as .dav need the vendor\'s player to export one of these.'

export function notVideo(label: string, why: string): RtccError {
  return new RtccError(`upload rejected: ${label} is not a video (${why}); nothing was stored`, {code: 'not_video', where: label, hint: HINT})
}

export async function probeStoredVideo(store: EvidenceStore, id: string, options: ProbeOptions = {}): Promise<VideoProbe> {
  const label = options.label ?? id
  const file = await store.open(id)
  if (file.plaintextBytes === 0) throw notVideo(label, 'the file is empty')
  const timeoutMs = options.timeoutMs ?? 20_000
  const info = await withLoopbackServer(store, file, async (url) => {
    const found = await probeStream(url, {timeoutMs})
    // Raw H.264/H.265 streams have no index to state a duration: count their frames (at ≥ 10 MB/s).
    if (found.durationSeconds) return found
    return {...found, durationSeconds: await measureDuration(url, {timeoutMs: Math.max(timeoutMs, file.plaintextBytes / 10_000)})}
  }).catch((error: RtccError) => {
    if (error.code === 'timeout') throw new RtccError(`could not check ${label}: ffprobe did not finish in time`, {code: 'probe_timeout', where: label, hint: 'Retry the upload; if it keeps failing, the file may be damaged.'})
    const why: Record<string, string> = {not_video: 'it has no video stream', not_media: 'ffprobe cannot read it as audio or video'}
    throw notVideo(label, why[error.code] ?? `ffprobe failed on it: ${error.message}`)
  })
  if (IMAGE_FORMAT.test(info.format)) throw notVideo(label, `it is a still image or animation (${info.format})`)
  if (!(info.durationSeconds && info.durationSeconds > 0)) throw notVideo(label, 'it has no duration')
  if (!(info.width > 0 && info.height > 0)) throw notVideo(label, 'its video stream has no picture size')
  return {
    container: info.format,
    codec: info.codec,
    durationSeconds: info.durationSeconds,
    width: info.width,
    height: info.height,
    fps: info.fps,
    audioCodec: info.audioCodec,
  }
}

/** A file extension for a container, for generated download names. */
export function extensionFor(container: string): string {
  const names = container.split(',')
  if (names.includes('mp4') || names.includes('mov')) return names.includes('mp4') ? '.mp4' : '.mov'
  if (names.includes('matroska')) return '.mkv'
  const known: Record<string, string> = {mpegts: '.ts', avi: '.avi', flv: '.flv', asf: '.asf', h264: '.h264', hevc: '.h265', mpeg: '.mpg'}
  return known[names[0] ?? ''] ?? '.bin'
}

async function withLoopbackServer<T>(store: EvidenceStore, file: OpenedEvidence, use: (url: string) => Promise<T>): Promise<T> {
  const path = `/${randomBytes(16).toString('hex')}`
  const server = createServer((req, res) => void serveRange(store, file, path, req, res))
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`)
  } finally {
    server.closeAllConnections()
    server.close()
  }
}

/** Answers GET/HEAD with the whole file or one `bytes=start-[end]` range: all ffprobe asks for. */
async function serveRange(store: EvidenceStore, file: OpenedEvidence, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const size = file.plaintextBytes
  if (req.url !== path || (req.method !== 'GET' && req.method !== 'HEAD')) return void res.writeHead(404).end()
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
  const start = range ? Number(range[1]) : 0
  const end = range?.[2] ? Math.min(Number(range[2]), size - 1) : size - 1
  if (start > end) return void res.writeHead(416, {'Content-Range': `bytes */${size}`}).end()
  const headers = {'Accept-Ranges': 'bytes', 'Content-Length': end - start + 1, 'Content-Type': 'application/octet-stream'}
  if (range) res.writeHead(206, {...headers, 'Content-Range': `bytes ${start}-${end}/${size}`})
  else res.writeHead(200, headers)
  if (req.method === 'HEAD') return void res.end()
  try {
    // ffprobe hangs up once it has what it needs; that (and a corrupt segment) just ends the response.
    pipeline(await store.readRange(file, start, end), res, () => undefined)
  } catch {
    res.destroy()
  }
}
