/**
 * Continuous recording of one camera on the Core: ffmpeg copies the camera's RTSP video (no
 * re-encode, no audio, as the relay) into fragmented MP4 segments of about `segmentSeconds`, cut at
 * keyframes; a fragment per keyframe means a segment cut short by a crash or power loss still plays up
 * to its last whole fragment. ffmpeg names each segment on stdout as it closes; the recorder then
 * seals it (encrypts it, deletes the plain file, appends its SHA-256 to the signed chain) and applies
 * retention. At start, a plain segment left by a crash is sealed if it plays, else discarded.
 *
 * Times are the Core's clock: the first closed segment anchors ffmpeg's stream time to it. A camera
 * that drops is reconnected with backoff; the time without video goes into the chain as a gap.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import type {KeyObject} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {CoreCameraConfig} from '../../domain/core.js'
import type {RecordingCameraSettings} from '../../domain/recording.js'
import {ffmpegPath} from '../../media/ffmpeg.js'
import {inputArgs, measureDuration} from '../../media/probe.js'
import {redactText, withCredentials} from '../../media/redact.js'
import {type BackoffPolicy, backoffDelay} from '../backoff.js'
import {CameraChain, sealBytes, sha256} from './chain.js'
import {enforceRetention} from './retention.js'

export interface RecorderOptions {
  folder: string
  coreId: string
  identity: KeyObject
  key: Buffer
  camera: CoreCameraConfig
  settings: () => RecordingCameraSettings
  segmentSeconds: number
  backoff: BackoffPolicy
  /** Camera clock minus Core clock, seconds, or null when the camera has no readable clock. */
  clockOffset: () => number | null
  log: (line: string) => void
}

/** A camera that sends nothing for this many segment lengths (plus a margin) is reconnected. */
const STALL_SEGMENTS = 3
/** Less than this between two segments is the cut between them, not a gap. */
const GAP_MIN_MS = 500

export function recorderArgs(camera: CoreCameraConfig, segmentSeconds: number, pattern: string): string[] {
  const url = withCredentials(camera.rtspUrl, camera.credentials?.user, camera.credentials?.password)
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    ...inputArgs(url),
    '-map', '0:v:0', '-c', 'copy',
    '-f', 'segment', '-segment_time', String(segmentSeconds), '-reset_timestamps', '1',
    '-segment_format', 'mp4', '-segment_format_options', 'movflags=frag_keyframe+empty_moov+default_base_moof',
    '-segment_list', 'pipe:1', '-segment_list_type', 'csv',
    pattern,
  ]
}

export class CameraRecorder {
  readonly chain: CameraChain
  private readonly openDir: string
  private child?: ChildProcess
  private stopped = false
  private attempt = 0
  private retryTimer?: NodeJS.Timeout
  private stallTimer?: NodeJS.Timeout
  /** Why the video stopped before this run: recorded as a gap before the next segment. */
  private gapReason: string | null = 'the Core was not recording (stopped, restarting or crashed)'
  private exited?: Promise<void>

  constructor(private readonly o: RecorderOptions) {
    this.chain = new CameraChain(o.folder, o.coreId, o.camera.id)
    this.openDir = join(o.folder, 'open')
    mkdirSync(this.openDir, {recursive: true, mode: 0o700})
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  async start(): Promise<void> {
    await this.recoverOpenSegments()
    this.spawn()
  }

  /** Stops ffmpeg (it closes its open segment), then seals what it left. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retryTimer)
    clearTimeout(this.stallTimer)
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGINT')
      const killer = setTimeout(() => this.child?.kill('SIGKILL'), 5000)
      await this.exited
      clearTimeout(killer)
    }
    await this.recoverOpenSegments()
  }

  private spawn(): void {
    if (this.stopped) return
    const run = Date.now().toString(36)
    const child = spawn(ffmpegPath(), recorderArgs(this.o.camera, this.o.segmentSeconds, join(this.openDir, `${run}-%06d.mp4`)), {stdio: ['ignore', 'pipe', 'pipe']})
    this.child = child
    let stderr = ''
    let buffered = ''
    let anchorMs: number | undefined
    let sealed = 0
    this.armStall(child)
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      let newline
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim()
        buffered = buffered.slice(newline + 1)
        const [name, startText, endText] = line.split(',')
        const start = Number(startText)
        const end = Number(endText)
        if (!name || !Number.isFinite(start) || !Number.isFinite(end)) continue
        anchorMs ??= Date.now() - end * 1000
        this.armStall(child)
        this.attempt = 0
        sealed++
        this.seal(join(this.openDir, name), new Date(anchorMs + start * 1000), new Date(anchorMs + end * 1000), true)
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
    this.exited = new Promise((resolve) => child.on('close', () => resolve()))
    child.on('close', (code, signal) => {
      clearTimeout(this.stallTimer)
      if (this.child !== child || this.stopped) return
      const detail = redactText(stderr).trim().split('\n').filter(Boolean).pop() ?? `ffmpeg exited (${code ?? signal})`
      this.gapReason = `camera offline or not sending: ${detail}`.slice(0, 300)
      this.o.log(`recording of ${this.o.camera.id} stopped after ${sealed} segment(s): ${detail}`)
      // What ffmpeg left open (cut by the camera dropping) is sealed now.
      void this.recoverOpenSegments().catch((error: Error) => this.o.log(`recording of ${this.o.camera.id}: ${error.message}`)).finally(() => {
        const delay = backoffDelay(this.attempt++, this.o.backoff)
        this.retryTimer = setTimeout(() => this.spawn(), delay)
      })
    })
  }

  private armStall(child: ChildProcess): void {
    clearTimeout(this.stallTimer)
    this.stallTimer = setTimeout(() => child.kill('SIGKILL'), (STALL_SEGMENTS * this.o.segmentSeconds + 15) * 1000)
  }

  /**
   * Encrypts one closed segment, records it in the chain, removes the plain file, applies retention.
   * The first segment of a new ffmpeg run (`live`) records the time without video before it as a gap.
   */
  private seal(file: string, start: Date, end: Date, live = false): void {
    let plain: Buffer
    try {
      plain = readFileSync(file)
    } catch (error) {
      this.o.log(`segment ${file} vanished before it was sealed: ${(error as Error).message}`)
      return
    }
    const head = this.chain.head
    const clockOffset = this.o.clockOffset()
    if (live && head && this.gapReason && start.getTime() - Date.parse(head.end) > GAP_MIN_MS) {
      this.chain.append({kind: 'gap', start: head.end, end: start.toISOString(), sha256: null, bytes: null, file: null, reason: this.gapReason, cameraClockOffsetSeconds: clockOffset}, this.o.identity)
    }
    if (live) this.gapReason = null
    // Never overlap the chain's last entry (a recovered segment's times are estimates).
    const from = head && start.getTime() < Date.parse(head.end) ? new Date(head.end) : start
    const seq = this.chain.nextSeq
    const sealedFile = this.chain.segmentFile(seq)
    writeFileSync(sealedFile, sealBytes(this.o.key, this.o.camera.id, seq, plain), {mode: 0o600})
    this.chain.append(
      {kind: 'segment', start: from.toISOString(), end: new Date(Math.max(end.getTime(), from.getTime())).toISOString(), sha256: sha256(plain), bytes: plain.length, file: sealedFile.slice(this.o.folder.length + 1), reason: null, cameraClockOffsetSeconds: clockOffset},
      this.o.identity,
    )
    rmSync(file, {force: true})
    enforceRetention(this.chain, this.o.settings(), this.o.log)
  }

  /**
   * Plain segments in the open folder (left by a crash, a dropped camera or a stop): sealed when they
   * play, with the time they were last written as their end; discarded when nothing in them plays.
   */
  private async recoverOpenSegments(): Promise<void> {
    for (const name of readdirSync(this.openDir).sort()) {
      const file = join(this.openDir, name)
      if (this.child && this.child.exitCode === null && this.child.signalCode === null) return
      const seconds = await measureDuration(file, {timeoutMs: 30_000}).catch(() => null)
      if (!seconds) {
        this.o.log(`discarded ${file}: nothing in it plays`)
        rmSync(file, {force: true})
        continue
      }
      const endMs = statSync(file).mtimeMs
      this.seal(file, new Date(endMs - seconds * 1000), new Date(endMs))
      this.o.log(`sealed ${name} left open (${seconds} s)`)
    }
  }
}
