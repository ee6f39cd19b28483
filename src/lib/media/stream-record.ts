/**
 * `rtcc stream record`: records a camera's live video to an MP4 file on this machine. The grant and
 * the pinned watch URL come from the server through client/streams.ts; ffmpeg (the binary we ship, or
 * RTCC_FFMPEG) copies the fragmented MP4 it relays into a regular MP4 (stream copy, no re-encode).
 */
import {spawn} from 'node:child_process'
import {rename, rm, stat} from 'node:fs/promises'
import type {IncomingMessage} from 'node:http'
import {basename, dirname, extname, join} from 'node:path'

import type {ApiClient} from '../client/api.js'
import {leaveStream, openStream, pinOf, watch} from '../client/streams.js'
import type {StreamGrant} from '../domain/stream.js'
import {RtccError} from '../errors.js'
import {ffmpegPath} from './ffmpeg.js'

export interface RecordResult {
  cameraId: string
  cameraName: string
  output: string
  seconds: number
  bytes: number
  policy: StreamGrant['policy']
}

/**
 * Records `seconds` of a camera's live video to an MP4 file (stream copy, no re-encode). Written to a
 * temporary name and renamed into place, so a failure never leaves a partial file.
 */
export async function recordStream(api: ApiClient, cameraId: string, options: {seconds: number; output: string; overwrite?: boolean}): Promise<RecordResult> {
  if (!options.overwrite && (await stat(options.output).then(() => true, () => false)))
    throw new RtccError(`output already exists: ${options.output}`, {code: 'exists', where: options.output, hint: 'Choose another -o path or pass --force.'})
  const grant = await openStream(api, cameraId, {urlSeconds: 60})
  const partial = join(dirname(options.output), `.${basename(options.output)}.partial${extname(options.output) || '.mp4'}`)
  let source: IncomingMessage | undefined
  try {
    source = await watch(grant.url, pinOf(api))
    await remux(source, partial, options.seconds)
    await rename(partial, options.output)
  } finally {
    source?.destroy()
    await rm(partial, {force: true})
    await leaveStream(api, grant)
  }
  const {size} = await stat(options.output)
  return {cameraId, cameraName: grant.cameraName, output: options.output, seconds: options.seconds, bytes: size, policy: grant.policy}
}

/** ffmpeg copies `seconds` of the fragmented MP4 on stdin into a regular MP4 file. */
function remux(source: IncomingMessage, output: string, seconds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'mp4', '-i', 'pipe:0', '-map', '0:v:0', '-c', 'copy', '-t', String(seconds), '-movflags', '+faststart', '-f', 'mp4', output]
    const child = spawn(ffmpegPath(), args, {stdio: ['pipe', 'ignore', 'pipe']})
    let stderr = ''
    // Connecting and the first fragment take a few seconds on top of the clip itself.
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000)
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
    child.stdin.on('error', () => undefined) // ffmpeg closes stdin when it has enough
    source.on('end', () => child.stdin.end())
    source.pipe(child.stdin)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      source.unpipe(child.stdin)
      if (code === 0) resolve()
      else reject(new RtccError(`recording failed: ${stderr.trim().split('\n').pop() ?? `ffmpeg exited ${code}`}`, {code: 'record_failed', hint: 'The stream may have ended (policy window, owner revoked); check `rtcc stream list`.'}))
    })
  })
}
