/**
 * Reads codec, resolution and frame rate of a file or a live stream with ffprobe, falling back to
 * ffmpeg's own stream report where the bundled ffprobe fails: its 2023 static build segfaults on
 * every MPEG-TS input, which is what most recorders export.
 */
import {existsSync} from 'node:fs'

import {RtccError} from '../errors.js'
import {ffmpegPath, ffprobePath} from './ffmpeg.js'
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
    const shown = redactUrl(input)
    throw new RtccError(`no such file: ${shown}`, {code: 'not_found', where: shown, hint: 'Pass a video file path or a stream URL (rtsp://…, http://…).'})
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
  try {
    return await ffprobe(input, run)
  } catch (error) {
    // A crash (or any failure ffprobe cannot explain) gets a second opinion; real verdicts such as
    // "not media" or "unreachable" stand.
    if ((error as RtccError).code !== 'failed') throw error
    return ffmpegProbe(input, run)
  }
}

async function ffprobe(input: string, run: {source: string; action: string; timeoutMs: number}): Promise<StreamInfo> {
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

/** ffmpeg's report of its input, read while copying one video frame to nowhere. */
async function ffmpegProbe(input: string, run: {source: string; action: string; timeoutMs: number}): Promise<StreamInfo> {
  const {stderr} = await runMediaTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-nostats', ...inputArgs(input), '-map', '0:v:0', '-c', 'copy', '-frames:v', '1', '-f', 'null', '-'], run)
  const video = /Stream #0:\d+\S*: Video: (\w+)[^\n]*?, (\d+)x(\d+)[^\n]*/.exec(stderr)
  if (!video) throw mediaError('not_media', stderr, run)
  const duration = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr)
  return {
    source: redactUrl(input),
    codec: video[1]!,
    width: Number(video[2]),
    height: Number(video[3]),
    fps: fpsIn(video[0]),
    format: /Input #0, (.+?), from /.exec(stderr)?.[1] ?? 'unknown',
    durationSeconds: duration ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) : null,
    audioCodec: /Stream #0:\d+\S*: Audio: (\w+)/.exec(stderr)?.[1] ?? null,
  }
}

const fpsIn = (line: string): number | null => {
  const fps = Number(/([\d.]+) fps/.exec(line)?.[1])
  return fps > 0 ? Math.round(fps * 100) / 100 : null
}

/**
 * How long a recording without a container index plays (raw H.264/H.265 elementary streams state no
 * duration): ffmpeg copies the whole video stream to nowhere and counts its frames.
 */
export async function measureDuration(input: string, options: MediaSourceOptions = {}): Promise<number | null> {
  const run = {source: input, action: 'measure', timeoutMs: options.timeoutMs ?? 60_000}
  const {stderr} = await runMediaTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-nostats', ...inputArgs(input), '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'], run)
  const frames = Number([...stderr.matchAll(/frame=\s*(\d+)/g)].pop()?.[1])
  const fps = fpsIn(/Stream #0:\d+\S*: Video: [^\n]*/.exec(stderr)?.[0] ?? '')
  return frames > 0 && fps ? Math.round((frames / fps) * 1000) / 1000 : null
}
