/**
 * Runs ffmpeg or ffprobe once, bounded in time, and classifies its failure into a user-facing
 * RtccError. The deadline is enforced by killing the process rather than by ffmpeg's own socket
 * options, whose names changed between the 2018 ffmpeg we ship (`-stimeout`) and newer builds
 * (`-timeout`): killing works with whichever binary the resolution order finds.
 */
import {spawn} from 'node:child_process'

import {RtccError} from '../errors.js'
import {redactText, redactUrl} from './redact.js'

export interface RunResult {
  stdout: Buffer
  stderr: string
}

export interface RunOptions {
  timeoutMs: number
  /** Shown in errors (redacted): the URL or file being read. */
  source: string
  /** What we were doing, for the message: "probe", "snapshot", "clip". */
  action: string
}

const STDERR_TAIL = 4000

export function runMediaTool(binary: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {stdio: ['ignore', 'pipe', 'pipe']})
    const chunks: Buffer[] = []
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new RtccError(`could not start ${binary}: ${error.message}`, {code: 'ffmpeg_missing', hint: 'Set RTCC_FFMPEG / RTCC_FFPROBE to a working binary.'}))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const result = {stdout: Buffer.concat(chunks), stderr: redactText(stderr, options.source)}
      if (timedOut) return reject(mediaError('timeout', result.stderr, options))
      if (code !== 0) return reject(mediaError(classify(result.stderr), result.stderr, options))
      resolve(result)
    })
  })
}

export type MediaFailure = 'timeout' | 'unreachable' | 'not_found' | 'credentials_rejected' | 'not_media' | 'not_video' | 'failed'

/** Maps ffmpeg's stderr onto what went wrong, in the words a user can act on. */
export function classify(stderr: string): MediaFailure {
  if (/401 Unauthorized|403 Forbidden/i.test(stderr)) return 'credentials_rejected'
  if (/Connection refused|No route to host|Network is unreachable|Connection timed out|Name or service not known|Host is down|Connection reset/i.test(stderr)) return 'unreachable'
  if (/No such file or directory|404 Not Found|Server returned 404/i.test(stderr)) return 'not_found'
  if (/Invalid data found when processing input|could not find codec parameters|does not contain any stream/i.test(stderr)) return 'not_media'
  if (/matches no streams|Output file #0 does not contain any stream/i.test(stderr)) return 'not_video'
  return 'failed'
}

const MESSAGES: Record<MediaFailure, [string, string]> = {
  timeout: ['no answer within the timeout', 'Check the address and port, and that the camera is powered and reachable from here; or raise --timeout.'],
  unreachable: ['source unreachable', 'Check the address and port, and that nothing blocks the connection.'],
  not_found: ['source not found', 'Check the path or the stream URI (ask the camera with `rtcc discover`).'],
  credentials_rejected: ['credentials rejected by the source', 'Pass the camera user and password (see --help).'],
  not_media: ['source is not audio or video', 'Point at a video file or a camera stream URI.'],
  not_video: ['source has no video stream', 'Point at a video file or a camera stream URI.'],
  failed: ['media tool failed', 'Run with DEBUG=rtcc* for ffmpeg\'s output.'],
}

export function mediaError(kind: MediaFailure, stderr: string, options: Pick<RunOptions, 'source' | 'action'>): RtccError {
  const [what, hint] = MESSAGES[kind]
  const lastLine = stderr.trim().split('\n').filter(Boolean).pop()
  const detail = kind === 'failed' && lastLine ? `: ${lastLine}` : ''
  return new RtccError(`${options.action} failed: ${what}${detail}`, {code: kind, where: redactUrl(options.source), hint, details: {ffmpeg: stderr.trim().split('\n').slice(-5)}})
}

export function isNetworkUrl(input: string): boolean {
  return /^(rtsp|rtsps|http|https|rtmp|udp|tcp):\/\//i.test(input)
}
