/**
 * One camera's video on its way to the server, after the Core's policy allowed it: ffmpeg reads the
 * camera's RTSP and copies the video (no re-encode; audio is deliberately left out: recording people's
 * conversations is a different matter in many places) into fragmented MP4 cut at keyframes, which
 * goes out over an outbound WSS connection authorised by the server's one-time ingest token. A camera
 * that stops sending for
 * STALL_MS ends the relay, as does ffmpeg failing or the server closing the connection.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import WebSocket from 'ws'

import {type CoreCameraConfig, type CoreConfig, INGEST_PATH} from '../domain/core.js'
import {ffmpegPath} from '../media/ffmpeg.js'
import {inputArgs} from '../media/probe.js'
import {redactText, withCredentials} from '../media/redact.js'
import {coreWsOptions, wssUrl} from './tls.js'

export const STALL_MS = 10_000
/** Video queued for the server beyond this pauses ffmpeg's output (bounded memory on a slow uplink). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024

export type RelayEnd = {reason: 'camera-failed' | 'server-closed' | 'stopped'; detail: string | null}

/**
 * How long ffmpeg reads before it starts: half a second is enough when the camera's SDP carries the
 * H.264 parameter sets (most do); a camera that sends them only in-band with its keyframes gets a
 * second attempt that waits for one.
 */
export const ANALYZE_MICROSECONDS = [500_000, 5_000_000] as const
const MISSING_PARAMETERS = /dimensions not set|Could not find codec parameters|unspecified size|Could not write header/i

export function relayArgs(camera: CoreCameraConfig, analyzeMicroseconds: number = ANALYZE_MICROSECONDS[0]): string[] {
  const url = withCredentials(camera.rtspUrl, camera.credentials?.user, camera.credentials?.password)
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-analyzeduration', String(analyzeMicroseconds), '-probesize', '5000000',
    ...inputArgs(url),
    '-map', '0:v:0', '-c', 'copy',
    // Fragments start at keyframes, so the server can start any viewer on the newest one.
    '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-flush_packets', '1', 'pipe:1',
  ]
}

export class CameraRelay {
  private child?: ChildProcess
  private ws?: WebSocket
  private stallTimer?: NodeJS.Timeout
  private stderr = ''
  private finished = false
  bytes = 0
  readonly startedAt = new Date().toISOString()
  readonly done: Promise<RelayEnd>
  private resolveDone!: (end: RelayEnd) => void

  constructor(
    readonly streamId: string,
    readonly camera: CoreCameraConfig,
    private readonly server: CoreConfig['server'],
    private readonly ingestToken: string,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
  }

  start(): void {
    const ws = new WebSocket(wssUrl(this.server.url, INGEST_PATH), {...coreWsOptions(this.server), headers: {authorization: `Bearer ${this.ingestToken}`}, handshakeTimeout: 10_000})
    this.ws = ws
    ws.on('open', () => this.spawnFfmpeg())
    ws.on('error', (error) => this.finish({reason: 'server-closed', detail: `video connection to the server failed: ${error.message}`}))
    ws.on('close', () => this.finish({reason: 'server-closed', detail: 'the server closed the video connection'}))
  }

  stop(): void {
    this.finish({reason: 'stopped', detail: null})
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  private spawnFfmpeg(attempt = 0): void {
    if (this.finished) return
    const child = spawn(ffmpegPath(), relayArgs(this.camera, ANALYZE_MICROSECONDS[attempt]), {stdio: ['ignore', 'pipe', 'pipe']})
    this.child = child
    this.armStallTimer()
    child.stdout!.on('data', (chunk: Buffer) => {
      this.armStallTimer()
      this.bytes += chunk.length
      const ws = this.ws
      if (!ws || ws.readyState !== WebSocket.OPEN) return
      ws.send(chunk)
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) this.drain(ws, child)
    })
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-2000)))
    child.on('error', (error) => this.finish({reason: 'camera-failed', detail: `could not start ffmpeg: ${error.message}`}))
    child.on('exit', (code, signal) => {
      if (this.child !== child) return
      if (this.bytes === 0 && attempt + 1 < ANALYZE_MICROSECONDS.length && MISSING_PARAMETERS.test(this.stderr)) {
        this.stderr = ''
        return this.spawnFfmpeg(attempt + 1)
      }
      const last = redactText(this.stderr).trim().split('\n').filter(Boolean).pop()
      this.finish({reason: 'camera-failed', detail: last ?? `ffmpeg exited (${code ?? signal})`})
    })
  }

  /** Pauses ffmpeg's output until the socket has sent most of what is queued. */
  private drain(ws: WebSocket, child: ChildProcess): void {
    child.stdout!.pause()
    const check = setInterval(() => {
      if (this.finished || ws.readyState !== WebSocket.OPEN) return clearInterval(check)
      if (ws.bufferedAmount < MAX_BUFFERED_BYTES / 2) {
        clearInterval(check)
        child.stdout!.resume()
      }
    }, 50)
  }

  private armStallTimer(): void {
    clearTimeout(this.stallTimer)
    this.stallTimer = setTimeout(() => this.finish({reason: 'camera-failed', detail: `no video from the camera for ${STALL_MS / 1000} s`}), STALL_MS)
  }

  private finish(end: RelayEnd): void {
    if (this.finished) return
    this.finished = true
    clearTimeout(this.stallTimer)
    this.child?.kill('SIGKILL')
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000)
    this.resolveDone(end)
  }
}
