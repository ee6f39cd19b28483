/**
 * Client side of server video search: start an index job and follow it, search, fetch thumbnails,
 * and clip a server sighting from its evidence as a derived copy with its lineage.
 */
import {createWriteStream} from 'node:fs'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'

import {clip, type ClipResult} from '../media/clip.js'
import type {SearchJob, ServerHit} from '../domain/search.js'
import {RtccError} from '../errors.js'
import type {ApiClient} from './api.js'
import {httpError} from './api.js'

export interface ServerSearch {
  case?: string
  camera?: string
  class?: string
  color?: string
  minScore?: number
  near?: string
  radius?: number
  from?: string
  to?: string
  limit?: number
}

/** Starts indexing a case and polls the job until it ends (at most `timeoutMs`). */
export async function indexCaseOnServer(api: ApiClient, caseId: string, onProgress?: (job: SearchJob) => void, timeoutMs = 6 * 3_600_000): Promise<SearchJob> {
  let job = await api.post<SearchJob>('/v1/search/jobs', {case: caseId})
  const deadline = Date.now() + timeoutMs
  while (job.status === 'running') {
    onProgress?.(job)
    if (Date.now() > deadline) throw new RtccError(`index job ${job.id} still running after ${timeoutMs / 1000}s`, {code: 'timeout', hint: 'It keeps running on the server; search later.'})
    await new Promise((resolve) => setTimeout(resolve, 500))
    job = await api.get<SearchJob>(`/v1/search/jobs/${encodeURIComponent(job.id)}`)
  }
  if (job.status === 'failed') throw new RtccError(`indexing case ${caseId} failed: ${job.error}`, {code: 'index_failed', where: job.id})
  return job
}

/** Streams a GET into a file; an HTTP error becomes the server's message. */
async function download(api: ApiClient, path: string, file: string): Promise<Record<string, string | string[] | undefined>> {
  const stream = api.http.stream(path.replace(/^\//, ''), {timeout: {request: undefined}})
  const response = await new Promise<{statusCode: number; headers: Record<string, string | string[] | undefined>}>((resolve, reject) => stream.once('response', resolve).once('error', reject)).catch(async (error) => {
    throw await api.networkError(error)
  })
  if (response.statusCode >= 400) {
    let body = ''
    for await (const chunk of stream) body += chunk
    throw httpError(response.statusCode, JSON.parse(body || '{}'), `GET ${path}`)
  }
  await pipeline(stream, createWriteStream(file, {mode: 0o600}))
  return response.headers
}

/** Searches the server; with `thumbs`, writes each hit's crop there and names the file in `thumbnail`. */
export async function searchServer(api: ApiClient, query: ServerSearch, thumbs?: string): Promise<ServerHit[]> {
  const {hits} = await api.get<{hits: ServerHit[]}>('/v1/search', {...query} as Record<string, string | number | undefined>)
  if (!thumbs) return hits
  await mkdir(thumbs, {recursive: true})
  for (const hit of hits) {
    const file = join(thumbs, `${hit.id}.jpg`)
    await download(api, hit.thumbnail, file)
    hit.thumbnail = file
  }
  return hits
}

/**
 * Cuts the stretch around a server sighting from its evidence by stream copy, and writes its lineage
 * beside it (OUTPUT.lineage.json): the source evidence id and SHA-256, and the offsets.
 */
export async function clipServerSighting(api: ApiClient, id: string, output: string, padSeconds: number, overwrite = false): Promise<ClipResult & {sighting: string; evidenceId: string; sourceSha256: string; lineage: string}> {
  const hit = await api.get<ServerHit>(`/v1/search/sightings/${encodeURIComponent(id)}`)
  const dir = await mkdtemp(join(tmpdir(), 'rtcc-clip-'))
  try {
    const source = join(dir, 'evidence')
    const headers = await download(api, `/v1/evidence/${encodeURIComponent(hit.evidenceId)}/content`, source)
    const sourceSha256 = String(headers['x-rtcc-sha256'] ?? '')
    const result = await clip(source, {fromSeconds: Math.max(0, hit.startSeconds - padSeconds), toSeconds: hit.endSeconds + padSeconds, output, overwrite})
    const lineage = `${output}.lineage.json`
    const note = {kind: 'derived', operation: 'search clip (stream copy)', sighting: id, caseId: hit.caseId, requestId: hit.requestId, source: {evidenceId: hit.evidenceId, sha256: sourceSha256}, fromSeconds: result.fromSeconds, toSeconds: result.toSeconds, madeAt: new Date().toISOString()}
    await writeFile(lineage, `${JSON.stringify(note, null, 2)}\n`)
    return {...result, source: hit.evidenceId, sighting: id, evidenceId: hit.evidenceId, sourceSha256, lineage}
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}
