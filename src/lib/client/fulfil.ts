/**
 * `rtcc request fulfil`: upload each clip as it is (the original), optionally cut the requested window
 * out of it locally with ffmpeg stream copy and upload that too as a derived copy linked to its
 * original, then mark the request fulfilled. Each upload streams; a failed upload stores nothing on
 * the server, so the command can simply be run again.
 */
import {createReadStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, extname, join} from 'node:path'

import type {FootageRequest} from '../domain/requests.js'
import {binaryVersion, ffmpegPath} from '../media/ffmpeg.js'
import {clip} from '../media/clip.js'
import {usageError} from '../output/errors.js'
import {VERSION} from '../output/version.js'
import type {ApiClient} from './api.js'
import {httpError} from './api.js'

export interface UploadedClip {
  id: string
  requestId: string
  cameraId: string
  parentId: string | null
  sha256: string
  size: number
  media: Record<string, unknown>
}

export interface FulfilOptions {
  files: string[]
  camera?: string
  clockOffsetSeconds?: number
  trim?: {from: string; to: string; recordingStart: string}
  onProgress?: (file: string, sent: number, total: number) => void
}

export async function uploadClip(
  api: ApiClient,
  path: string,
  file: string,
  query: {camera?: string; clockOffsetSeconds?: number; parent?: string; tool?: string; toolVersion?: string; operation?: string; arguments?: string},
  onProgress?: FulfilOptions['onProgress'],
): Promise<UploadedClip> {
  const size = (await stat(file).catch(() => {
    throw usageError(`cannot read ${file}`, 'Check the path of the clip.')
  })).size
  const params = Object.fromEntries(Object.entries({...query, fileName: basename(file)}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))
  const request = api.http.post(`${path.replace(/^\//, '')}/evidence`, {
    body: createReadStream(file),
    headers: {'content-type': 'application/octet-stream', 'content-length': String(size)},
    searchParams: params,
    responseType: 'json',
    timeout: {request: undefined},
  })
  request.on('uploadProgress', (p: {transferred: number}) => onProgress?.(file, p.transferred, size))
  let response
  try {
    response = await request
  } catch (error) {
    throw await api.networkError(error)
  }
  if (response.statusCode >= 400) throw httpError(response.statusCode, response.body as never, `upload ${file}`)
  return response.body as UploadedClip
}

/** Seconds into the recording for a true time, given the recorder's start time and its clock offset. */
export function offsetInRecording(time: string, recordingStart: string, clockOffsetSeconds = 0): number {
  return (Date.parse(time) + clockOffsetSeconds * 1000 - Date.parse(recordingStart)) / 1000
}

export async function fulfil(api: ApiClient, path: string, options: FulfilOptions): Promise<{request: FootageRequest; uploaded: UploadedClip[]}> {
  if (options.files.length === 0) throw usageError('no clip given', 'rtcc request fulfil REQ FILE…')
  const uploaded: UploadedClip[] = []
  const scratch = options.trim ? await mkdtemp(join(tmpdir(), 'rtcc-trim-')) : undefined
  try {
    for (const file of options.files) {
      const original = await uploadClip(api, path, file, {camera: options.camera, clockOffsetSeconds: options.clockOffsetSeconds}, options.onProgress)
      uploaded.push(original)
      if (options.trim && scratch) {
        const fromSeconds = Math.max(0, offsetInRecording(options.trim.from, options.trim.recordingStart, options.clockOffsetSeconds))
        const toSeconds = offsetInRecording(options.trim.to, options.trim.recordingStart, options.clockOffsetSeconds)
        const output = join(scratch, `${basename(file, extname(file))}.trimmed${extname(file) || '.mp4'}`)
        await clip(file, {fromSeconds, toSeconds, output})
        const derivation = {
          tool: 'ffmpeg',
          toolVersion: `${(await binaryVersion(ffmpegPath())).split(' Copyright')[0]} (via rtcc ${VERSION})`,
          operation: 'trim',
          arguments: JSON.stringify(['-ss', String(fromSeconds), '-to', String(toSeconds), '-c', 'copy']),
        }
        uploaded.push(await uploadClip(api, path, output, {camera: original.cameraId, clockOffsetSeconds: options.clockOffsetSeconds, parent: original.id, ...derivation}, options.onProgress))
      }
    }
  } finally {
    if (scratch) await rm(scratch, {recursive: true, force: true})
  }
  const request = await api.post<FootageRequest>(`${path}/complete`)
  return {request, uploaded}
}
