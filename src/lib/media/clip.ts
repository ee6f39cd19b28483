/**
 * Cuts a piece of a recording or live stream without re-encoding (stream copy), so the clip keeps
 * the original bits: what evidence handling wants. Cuts land on keyframes as a result. The output
 * is written to a temporary name and renamed into place, so a failed cut never leaves a partial file.
 */
import {rename, rm, stat} from 'node:fs/promises'
import {basename, dirname, extname, join} from 'node:path'

import {RtccError, usageError} from '../errors.js'
import {ffmpegPath} from './ffmpeg.js'
import {assertReadable, inputArgs} from './probe.js'
import {redactUrl} from './redact.js'
import {isNetworkUrl, runMediaTool} from './run.js'

export interface ClipOptions {
  /** Seconds from the start of the input (for a live stream: from when we connect). */
  fromSeconds?: number
  toSeconds: number
  output: string
  overwrite?: boolean
  timeoutMs?: number
}

export interface ClipResult {
  source: string
  output: string
  fromSeconds: number
  toSeconds: number
  bytes: number
}

export async function clip(input: string, options: ClipOptions): Promise<ClipResult> {
  const from = options.fromSeconds ?? 0
  if (!(options.toSeconds > from)) throw usageError(`--to (${options.toSeconds}s) must be after --from (${from}s)`)
  assertReadable(input)
  if (!options.overwrite && (await exists(options.output))) {
    throw new RtccError(`output already exists: ${options.output}`, {code: 'exists', where: options.output, hint: 'Choose another -o path or pass --force.'})
  }
  const partial = join(dirname(options.output), `.${basename(options.output)}.partial${extname(options.output)}`)
  const live = isNetworkUrl(input)
  // A live source plays in real time: allow the clip's length plus time to connect.
  const timeoutMs = options.timeoutMs ?? (live ? (options.toSeconds + 15) * 1000 : 120_000)
  // A file seeks before opening (fast, lands on a keyframe); a live stream cannot seek, so the
  // first seconds are read and dropped instead.
  const seek = from > 0 ? ['-ss', String(from)] : []
  const source = live ? [...inputArgs(input), ...seek] : [...seek, ...inputArgs(input)]
  const args = ['-hide_banner', '-loglevel', 'error', '-y', ...source, '-t', String(options.toSeconds - from), '-map', '0:v:0', '-map', '0:a?', '-c', 'copy', partial]
  try {
    await runMediaTool(ffmpegPath(), args, {source: input, action: 'clip', timeoutMs})
    await rename(partial, options.output)
  } finally {
    await rm(partial, {force: true})
  }
  const {size} = await stat(options.output)
  return {source: redactUrl(input), output: options.output, fromSeconds: from, toSeconds: options.toSeconds, bytes: size}
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/** `90`, `90s`, `1.5m`, `00:01:30` or `01:30.5` → seconds. */
export function parseOffset(text: string, flag: string): number {
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(text.trim())
  if (clock) return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3])
  const unit = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (unit) return Number(unit[1]) * {ms: 0.001, s: 1, m: 60, h: 3600}[(unit[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  throw usageError(`${flag} ${text}: expected seconds (90, 90s, 1.5m) or a time offset (00:01:30)`)
}
