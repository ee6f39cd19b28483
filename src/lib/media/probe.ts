/** Reads codec, resolution and frame rate of a file or a live stream with ffprobe. */
import {existsSync} from 'node:fs'

import {CliError} from '../output/errors.js'
import {ffprobePath} from './ffmpeg.js'
import {redactUrl} from './redact.js'
import {isNetworkUrl, mediaError, runMediaTool} from './run.js'

export interface StreamInfo {
  /** The URL or file, with any credentials removed. */
  source: string
  codec: string
  width: number
  height: number
  fps: number | null
  /** Container or transport as ffprobe names it (`rtsp`, `mov,mp4,m4a,3gp,3g2,mj2`…). */
  format: string
  durationSeconds: number | null
  audioCodec: string | null
}

export interface MediaSourceOptions {
  timeoutMs?: number
}

interface FfprobeStream {
  codec_type?: string
  codec_name?: string
  width?: number
  height?: number
  avg_frame_rate?: string
  r_frame_rate?: string
}

interface FfprobeOutput {
  streams?: FfprobeStream[]
  format?: {format_name?: string; duration?: string}
}

/** Input options that make ffmpeg tools read network sources the way cameras expect. */
export function inputArgs(input: string): string[] {
  // TCP interleaving works through NAT and firewalls and is what our simulator serves.
  return /^rtsps?:/i.test(input) ? ['-rtsp_transport', 'tcp', '-i', input] : ['-i', input]
}

export function assertReadable(input: string): void {
  if (!isNetworkUrl(input) && !existsSync(input)) {
    throw new CliError(`no such file: ${input}`, {code: 'not_found', where: input, hint: 'Pass a video file path or a stream URL (rtsp://…, http://…).'})
  }
}

function rate(value: string | undefined): number | null {
  const [num, den] = (value ?? '').split('/').map(Number)
  if (!num || !den || !Number.isFinite(num / den)) return null
  return Math.round((num / den) * 100) / 100
}

export async function probeStream(input: string, options: MediaSourceOptions = {}): Promise<StreamInfo> {
  assertReadable(input)
  const run = {source: input, action: 'probe', timeoutMs: options.timeoutMs ?? 10_000}
  // A live stream is read for 1.5 s: enough to measure the frame rate, instead of ffprobe's default 5 s.
  const analyze = isNetworkUrl(input) ? ['-analyzeduration', '1500000'] : []
  const args = ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', ...analyze, ...inputArgs(input)]
  const {stdout, stderr} = await runMediaTool(ffprobePath(), args, run)
  const parsed = JSON.parse(stdout.toString('utf8') || '{}') as FfprobeOutput
  const video = parsed.streams?.find((s) => s.codec_type === 'video')
  if (!video) throw mediaError(parsed.streams?.length ? 'not_video' : 'not_media', stderr, run)
  const audio = parsed.streams?.find((s) => s.codec_type === 'audio')
  const duration = Number(parsed.format?.duration)
  return {
    source: redactUrl(input),
    codec: video.codec_name ?? 'unknown',
    width: video.width ?? 0,
    height: video.height ?? 0,
    fps: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate),
    format: parsed.format?.format_name ?? 'unknown',
    durationSeconds: Number.isFinite(duration) ? duration : null,
    audioCodec: audio?.codec_name ?? null,
  }
}
