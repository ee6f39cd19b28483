/**
 * Synthetic video for the camera simulator: ffmpeg's testsrc2 pattern with the camera's name and
 * the UTC time burnt in, as a live H.264 RTP feed (for the RTSP server) or a single JPEG.
 *
 * The live feed is one ffmpeg per stream, started on the first DESCRIBE and stopped a few seconds
 * after its last viewer leaves, so 50 idle simulated cameras cost nothing. ffmpeg writes RTP
 * packets to a loopback UDP socket we read, and through the tee muxer the same H.264 to its stdout:
 * that copy gives us the SPS/PPS for the SDP, and, because ffmpeg dies on a broken stdout pipe, it
 * guarantees no encoder outlives a crashed parent.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import dgram from 'node:dgram'
import {existsSync} from 'node:fs'

import {ffmpegPath} from './ffmpeg.js'
import {h264Fmtp, NAL_PPS, NAL_SPS, nalType, splitAnnexB} from './h264.js'
import type {RtpFeed, RtpListener} from './rtsp-server.js'
import {runMediaTool} from './run.js'

export interface PatternOptions {
  /** Burnt into the picture; letters, digits, space, dot, dash and underscore are kept. */
  label: string
  width: number
  height: number
  fps: number
}

const FONT_CANDIDATES = [
  process.env.RTCC_FONT,
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  'C:/Windows/Fonts/arial.ttf',
]

export function findFont(): string | undefined {
  return FONT_CANDIDATES.find((f): f is string => Boolean(f) && existsSync(f!))
}

/** ffmpeg input and filter arguments for the pattern; without a font the pattern has no caption. */
export function patternInputArgs(options: PatternOptions): string[] {
  const source = ['-f', 'lavfi', '-i', `testsrc2=size=${options.width}x${options.height}:rate=${options.fps}`]
  const font = findFont()
  if (!font) return source
  const label = options.label.replace(/[^\w .-]/g, '').slice(0, 60)
  const size = Math.max(12, Math.round(options.height / 18))
  // Inside the quotes only the expansion's own ':' needs escaping; %X (HH:MM:SS) avoids more colons.
  const text = `${label}  %{gmtime\\:%Y-%m-%d %X} UTC`
  const drawtext = `drawtext=fontfile='${font.replace(/'/g, '')}':text='${text}':x=10:y=h-th-10:fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=4`
  return [...source, '-vf', drawtext]
}

export async function renderTestJpeg(options: Omit<PatternOptions, 'fps'>): Promise<Buffer> {
  const args = ['-hide_banner', '-loglevel', 'error', ...patternInputArgs({...options, fps: 1}), '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '4', 'pipe:1']
  const {stdout} = await runMediaTool(ffmpegPath(), args, {source: 'testsrc2', action: 'render snapshot', timeoutMs: 10_000})
  return stdout
}

const PAYLOAD_TYPE = 96
const IDLE_STOP_MS = 3000
const START_TIMEOUT_MS = 10_000

export class TestPatternFeed implements RtpFeed {
  private child?: ChildProcess
  private socket?: dgram.Socket
  private fmtp?: Promise<string>
  private readonly listeners = new Set<RtpListener>()
  private idleTimer?: NodeJS.Timeout

  constructor(private readonly options: PatternOptions) {}

  async mediaDescription(): Promise<string[]> {
    this.fmtp ??= this.start()
    this.scheduleIdleStop()
    const fmtp = await this.fmtp
    return ['m=video 0 RTP/AVP 96', `a=rtpmap:${PAYLOAD_TYPE} H264/90000`, fmtp, `a=framerate:${this.options.fps}`]
  }

  subscribe(listener: RtpListener): () => void {
    this.listeners.add(listener)
    clearTimeout(this.idleTimer)
    return () => {
      this.listeners.delete(listener)
      this.scheduleIdleStop()
    }
  }

  get running(): boolean {
    return this.child !== undefined
  }

  stop(): void {
    clearTimeout(this.idleTimer)
    this.child?.kill('SIGKILL')
    this.child = undefined
    this.socket?.close()
    this.socket = undefined
    this.fmtp = undefined
  }

  private scheduleIdleStop(): void {
    clearTimeout(this.idleTimer)
    if (this.listeners.size === 0) this.idleTimer = setTimeout(() => this.stop(), IDLE_STOP_MS).unref()
  }

  private async start(): Promise<string> {
    const socket = dgram.createSocket('udp4')
    this.socket = socket
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    socket.on('message', (packet) => {
      const rtcp = packet[1]! >= 200 && packet[1]! <= 204
      for (const listener of this.listeners) listener(packet, rtcp ? 1 : 0)
    })
    const {fps} = this.options
    const args = ['-hide_banner', '-loglevel', 'error', '-re', ...patternInputArgs(this.options), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-g', String(fps), '-map', '0:v', '-f', 'tee', `[f=rtp:payload_type=${PAYLOAD_TYPE}]udp://127.0.0.1:${socket.address().port}?pkt_size=1400|[f=h264]pipe:1`]
    const child = spawn(ffmpegPath(), args, {stdio: ['ignore', 'pipe', 'pipe']})
    this.child = child
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
    return new Promise<string>((resolve, reject) => {
      let head = Buffer.alloc(0)
      const timer = setTimeout(() => fail(new Error('ffmpeg did not start the test pattern in time')), START_TIMEOUT_MS)
      const fail = (error: Error) => {
        clearTimeout(timer)
        this.stop()
        reject(error)
      }
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk])
        const nals = splitAnnexB(head)
        const sps = nals.find((n) => nalType(n) === NAL_SPS)
        // The PPS is complete once another NAL unit follows it.
        const ppsIndex = nals.findIndex((n) => nalType(n) === NAL_PPS)
        if (!sps || ppsIndex < 0 || ppsIndex === nals.length - 1) return
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        child.stdout!.resume() // keep draining: ffmpeg blocks on a full pipe
        resolve(h264Fmtp(PAYLOAD_TYPE, sps, nals[ppsIndex]!))
      }
      child.stdout!.on('data', onData)
      child.on('error', fail)
      child.on('exit', (code) => {
        if (this.child === child) fail(new Error(`ffmpeg test pattern exited (${code}): ${stderr.trim()}`))
      })
    })
  }
}
