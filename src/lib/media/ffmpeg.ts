/**
 * Finds the ffmpeg and ffprobe binaries. Order (DEVELOPERS.md): RTCC_FFMPEG → ffmpeg-static (optional
 * dependency whose binary download fails offline) → @ffmpeg-installer/ffmpeg (binary ships inside the
 * npm package) → `ffmpeg` on PATH. ffprobe follows the same idea with RTCC_FFPROBE and
 * @ffprobe-installer/ffprobe.
 */
import {execFile} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {createRequire} from 'node:module'
import {delimiter, join} from 'node:path'
import {promisify} from 'node:util'

const require = createRequire(import.meta.url)
const run = promisify(execFile)

export interface ResolvedBinary {
  path: string
  /** Which rule found it: env, ffmpeg-static, @ffmpeg-installer/ffmpeg, PATH… */
  source: string
}

function executable(path: string | undefined | null): path is string {
  if (!path) return false
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function fromPackage(name: string, pick: (mod: unknown) => string | undefined): string | undefined {
  try {
    return pick(require(name))
  } catch {
    return undefined
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name)
    if (dir && executable(candidate)) return candidate
  }
  return undefined
}

function firstExecutable(candidates: [string, () => string | undefined][]): ResolvedBinary | undefined {
  for (const [source, find] of candidates) {
    const path = find()
    if (executable(path)) return {path, source}
  }
  return undefined
}

export function resolveFfmpeg(): ResolvedBinary | undefined {
  return firstExecutable([
    ['RTCC_FFMPEG', () => process.env.RTCC_FFMPEG],
    ['ffmpeg-static', () => fromPackage('ffmpeg-static', (m) => m as string)],
    ['@ffmpeg-installer/ffmpeg', () => fromPackage('@ffmpeg-installer/ffmpeg', (m) => (m as {path: string}).path)],
    ['PATH', () => onPath('ffmpeg')],
  ])
}

export function resolveFfprobe(): ResolvedBinary | undefined {
  return firstExecutable([
    ['RTCC_FFPROBE', () => process.env.RTCC_FFPROBE],
    ['@ffprobe-installer/ffprobe', () => fromPackage('@ffprobe-installer/ffprobe', (m) => (m as {path: string}).path)],
    ['PATH', () => onPath('ffprobe')],
  ])
}

export class MissingBinaryError extends Error {}

export function ffmpegPath(): string {
  const found = resolveFfmpeg()
  if (!found) throw new MissingBinaryError('ffmpeg not found: set RTCC_FFMPEG, or reinstall rtcc so @ffmpeg-installer/ffmpeg is present, or install ffmpeg on PATH')
  return found.path
}

export function ffprobePath(): string {
  const found = resolveFfprobe()
  if (!found) throw new MissingBinaryError('ffprobe not found: set RTCC_FFPROBE, or reinstall rtcc so @ffprobe-installer/ffprobe is present, or install ffprobe on PATH')
  return found.path
}

/** First line of `-version`, e.g. "ffmpeg version 6.1 …". */
export async function binaryVersion(path: string): Promise<string> {
  const {stdout} = await run(path, ['-version'], {timeout: 10_000})
  return stdout.split('\n')[0]?.trim() ?? ''
}
