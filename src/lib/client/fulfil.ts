/**
 * `rtcc request fulfil`: upload each clip as it is (the original) for the camera that recorded it,
 * optionally cut the requested window out of it locally with ffmpeg stream copy and upload that too as
 * a derived copy linked to its original. The request stays open for more uploads (another run, another
 * camera) until the owner says `done`. Each upload streams; a failed upload stores nothing on the
 * server, so the command can simply be run again.
 */
import {createReadStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, extname, join} from 'node:path'

import type {FootageRequest, RequestCamera} from '../domain/requests.js'
import {binaryVersion, ffmpegPath} from '../media/ffmpeg.js'
import {clip} from '../media/clip.js'
import {usageError} from '../errors.js'
import {VERSION} from '../output/version.js'
import type {ApiClient} from './api.js'
import {httpError} from './api.js'
import type {AnswerClient} from './answer.js'

export interface UploadedClip {
  id: string
  requestId: string
  cameraId: string
  parentId: string | null
  sha256: string
  size: number
  media: Record<string, unknown>
}

/** Files one camera recorded; `camera` is its name as mailed or its id (left out: the request's only camera). */
export interface CameraClips {
  camera?: string
  files: string[]
}

export interface FulfilOptions {
  clips: CameraClips[]
  /** Mark the request fulfilled after these uploads (the token then stops working). */
  done?: boolean
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

/**
 * Groups `request fulfil`'s command line in order: files before any --camera belong to the request's
 * only camera, files after `--camera NAME` to that camera, until the next --camera.
 */
export function clipsFromArgv(tokens: {type: string; flag?: string; input: string}[]): CameraClips[] {
  const clips: CameraClips[] = [{files: []}]
  let request: string | undefined // the first argument is the request id or token, wherever it stands
  for (const token of tokens) {
    if (token.type === 'flag' && token.flag === 'camera') clips.push({camera: token.input, files: []})
    else if (token.type === 'arg' && request === undefined) request = token.input
    else if (token.type === 'arg') clips.at(-1)!.files.push(token.input)
  }
  const empty = clips.find((c) => c.camera !== undefined && c.files.length === 0)
  if (empty) throw usageError(`--camera "${empty.camera}" is not followed by any file`, 'Give the files that camera recorded after it: --camera NAME FILE…')
  return clips.filter((c) => c.files.length > 0)
}

/** The request camera an owner means: its id, or its name as the email gives it (in any letter case). */
export function resolveCamera(cameras: RequestCamera[], wanted: string | undefined): string {
  const list = (some: RequestCamera[]) => some.map((c) => `"${c.name}" (${c.cameraId})`).join(', ')
  if (wanted === undefined) {
    if (cameras.length === 1) return cameras[0]!.cameraId
    throw usageError(`this request names ${cameras.length} cameras: say which one recorded each file`, `Put --camera NAME before that camera's files. Its cameras: ${list(cameras)}.`)
  }
  const byId = cameras.find((c) => c.cameraId === wanted)
  if (byId) return byId.cameraId
  const named = cameras.filter((c) => c.name.trim().toLowerCase() === wanted.trim().toLowerCase())
  if (named.length === 1) return named[0]!.cameraId
  if (named.length > 1) throw usageError(`--camera "${wanted}" names ${named.length} cameras of this request`, `Pass the id of the one you mean: ${list(named)}.`)
  throw usageError(`--camera "${wanted}" is not one of this request's cameras`, `Its cameras: ${list(cameras)}.`)
}

export async function fulfil(answer: AnswerClient, options: FulfilOptions): Promise<{request: FootageRequest; uploaded: UploadedClip[]; done: boolean}> {
  const {api, path, viewPath} = answer
  const done = options.done ?? false
  if (options.clips.length === 0 && !done) throw usageError('no clip given', 'rtcc request fulfil REQ [--camera NAME] FILE… [--done]; or only --done when everything is sent')
  // Every camera and file is checked before the first byte goes up, so a typo uploads nothing.
  const cameras = options.clips.length ? (await api.get<FootageRequest>(viewPath)).cameras : []
  const plan = options.clips.map((c) => ({cameraId: resolveCamera(cameras, c.camera), files: c.files}))
  for (const file of plan.flatMap((p) => p.files)) {
    await stat(file).catch(() => {
      throw usageError(`cannot read ${file}; nothing was uploaded`, 'Check the path of the clip.')
    })
  }
  const uploaded: UploadedClip[] = []
  const scratch = options.trim ? await mkdtemp(join(tmpdir(), 'rtcc-trim-')) : undefined
  try {
    for (const {cameraId, files} of plan)
      for (const file of files) {
        const original = await uploadClip(api, path, file, {camera: cameraId, clockOffsetSeconds: options.clockOffsetSeconds}, options.onProgress)
        uploaded.push(original)
        if (options.trim && scratch) uploaded.push(await uploadTrimmed(api, path, file, original, scratch, options))
      }
  } finally {
    if (scratch) await rm(scratch, {recursive: true, force: true})
  }
  const request = done ? await api.post<FootageRequest>(`${path}/complete`) : await api.get<FootageRequest>(viewPath)
  return {request, uploaded, done}
}

/** Cuts the requested window out of an uploaded original (stream copy) and uploads it as derived from it. */
async function uploadTrimmed(api: ApiClient, path: string, file: string, original: UploadedClip, scratch: string, options: FulfilOptions): Promise<UploadedClip> {
  const trim = options.trim!
  const fromSeconds = Math.max(0, offsetInRecording(trim.from, trim.recordingStart, options.clockOffsetSeconds))
  const toSeconds = offsetInRecording(trim.to, trim.recordingStart, options.clockOffsetSeconds)
  const output = join(scratch, `${original.id}-${basename(file, extname(file))}.trimmed${extname(file) || '.mp4'}`)
  await clip(file, {fromSeconds, toSeconds, output})
  const derivation = {
    tool: 'ffmpeg',
    toolVersion: `${(await binaryVersion(ffmpegPath())).split(' Copyright')[0]} (via rtcc ${VERSION})`,
    operation: 'trim',
    arguments: JSON.stringify(['-ss', String(fromSeconds), '-to', String(toSeconds), '-c', 'copy']),
  }
  return uploadClip(api, path, output, {camera: original.cameraId, clockOffsetSeconds: options.clockOffsetSeconds, parent: original.id, ...derivation}, options.onProgress)
}
