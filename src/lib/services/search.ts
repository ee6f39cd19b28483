/**
 * Video search on the server: index a case's evidence in the background (one job at a time per
 * process, the detector loaded once on first use), index new uploads of an indexed case as they
 * arrive, and search the sightings within the actor's agency. Sightings are derived from evidence, so
 * they get its protection: thumbnails are encrypted blobs of the evidence store, and every search
 * goes through the evidence's request to the agency that issued it.
 */
import {createWriteStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {newId} from '../domain/ids.js'
import {distanceMetres} from '../registry/geo.js'
import type {Detector} from '../search/detector.js'
import {indexVideo} from '../search/index-video.js'
import {notFound} from '../server/http-error.js'
import type {ServerContext} from '../server/context.js'
import type {EvidenceRecord} from '../store/evidence.js'
import type {FoundSighting, SearchJob, SightingFilter, StoredSighting} from '../store/search.js'
import type {Actor, ServiceContext} from './context.js'
import type {ServerHit} from '../domain/search.js'

let detector: Promise<Detector> | undefined
/** The detector, loaded on first use and kept (a failed load is retried next time). */
function sharedDetector(): Promise<Detector> {
  detector ??= import('../search/detector.js').then((m) => m.loadDetector())
  detector.catch(() => (detector = undefined))
  return detector
}

/** Index jobs run one after another: inference is CPU-bound and the machine serves requests too. */
let queue: Promise<void> = Promise.resolve()

async function indexedSightings(ctx: ServerContext, record: EvidenceRecord, caseId: string): Promise<StoredSighting[]> {
  const dir = await mkdtemp(join(tmpdir(), 'rtcc-search-'))
  try {
    const file = join(dir, 'evidence')
    await pipeline(await ctx.evidence.read(record.blobId, {sha256: record.sha256, bytes: record.size}), createWriteStream(file, {mode: 0o600}))
    const index = await indexVideo(file, await sharedDetector())
    const now = ctx.now().toISOString()
    const stored: StoredSighting[] = []
    for (const s of index.sightings) {
      const thumb = await ctx.evidence.put(Readable.from([s.thumbnail]))
      stored.push({
        id: newId('sgt'),
        caseId,
        evidenceId: record.id,
        cameraId: record.cameraId,
        label: s.label,
        score: s.score,
        startSeconds: s.startSeconds,
        endSeconds: s.endSeconds,
        bestSeconds: s.bestSeconds,
        box: s.box,
        colours: s.colours,
        thumbBlob: thumb.id,
        thumbSha256: thumb.sha256,
        thumbBytes: thumb.bytes,
        createdAt: now,
      })
    }
    return stored
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

/** Runs one job: each file decrypted to a private temp file, indexed, its sightings stored; progress as events. */
async function runJob(ctx: ServerContext, job: SearchJob, files: EvidenceRecord[], requestId: string): Promise<void> {
  const state = {...job}
  const publish = (type: string) =>
    ctx.events.publish({type, data: {jobId: job.id, caseId: job.caseId, requestId, status: state.status, filesDone: state.filesDone, filesTotal: state.filesTotal, sightings: state.sightings}}).catch(() => undefined)
  const save = () => ctx.store.search.updateJob(job.id, {...state, updatedAt: ctx.now().toISOString()})
  try {
    for (const record of files) {
      if (!(await ctx.store.search.isIndexed(record.id))) {
        const sightings = await indexedSightings(ctx, record, job.caseId)
        try {
          await ctx.store.search.insertSightings({evidenceId: record.id, jobId: job.id, indexedAt: ctx.now().toISOString()}, sightings)
        } catch (error) {
          await Promise.all(sightings.map((s) => ctx.evidence.delete(s.thumbBlob)))
          throw error
        }
        state.sightings += sightings.length
      }
      state.filesDone++
      await save()
      void publish('search.progress')
    }
    state.status = 'done'
  } catch (error) {
    state.status = 'failed'
    state.error = (error as Error).message
  }
  await save().catch(() => undefined)
  void publish('search.done')
}

function enqueue(ctx: ServerContext, job: SearchJob, files: EvidenceRecord[], requestId: string): void {
  queue = queue.then(() => runJob(ctx, job, files, requestId)).catch(() => undefined)
}

/** Starts indexing every evidence file of the case the actor's agency requested; returns the job. */
export async function indexCase(ctx: ServiceContext, actor: Actor, input: {caseId: string}): Promise<SearchJob> {
  const agencyId = actor.user.agency_id
  const rows = await ctx.store.requests.listRequestRows({caseId: input.caseId, agencyId: agencyId ?? undefined, limit: 10_000})
  if (rows.length === 0) throw notFound(`case ${input.caseId}`)
  const files = (await Promise.all(rows.map((r) => ctx.store.evidence.evidenceForRequest(r.id)))).flat()
  const now = ctx.now().toISOString()
  const job: SearchJob = {id: newId('sjb'), caseId: input.caseId, agencyId: rows[0]!.agency_id, startedBy: actor.user.id, status: 'running', filesTotal: files.length, filesDone: 0, sightings: 0, error: null, createdAt: now, updatedAt: now}
  await ctx.audited(() => ctx.store.search.insertJob(job), {target: input.caseId, detail: {jobId: job.id, files: files.length}})
  enqueue(ctx, job, files, rows[0]!.id)
  return job
}

/** After an upload: evidence of a case its agency has indexed is indexed too (a job of one file). */
export async function indexIfCaseIndexed(ctx: ServerContext, evidenceId: string): Promise<void> {
  const record = await ctx.store.evidence.getEvidence(evidenceId)
  const request = record && (await ctx.store.requests.getRequestRow(record.requestId))
  if (!record || !request || !(await ctx.store.search.latestJob(request.case_id, request.agency_id))) return
  const now = ctx.now().toISOString()
  const job: SearchJob = {id: newId('sjb'), caseId: request.case_id, agencyId: request.agency_id, startedBy: 'upload', status: 'running', filesTotal: 1, filesDone: 0, sightings: 0, error: null, createdAt: now, updatedAt: now}
  await ctx.store.search.insertJob(job)
  enqueue(ctx, job, [record], request.id)
}

/** An index job of the actor's agency (for polling its progress). */
export async function getJob(ctx: ServiceContext, actor: Actor, input: {id: string}): Promise<SearchJob> {
  const job = await ctx.store.search.getJob(input.id)
  if (!job || (actor.user.agency_id && job.agencyId !== actor.user.agency_id)) throw notFound(`index job ${input.id}`)
  ctx.note({target: job.caseId})
  return job
}

export interface SearchInput extends Omit<SightingFilter, 'agencyId'> {
  near?: {latitude: number; longitude: number; radiusMetres: number}
}

/** A hit as the API returns it (the `--json` shape of `rtcc search --case`). */

const toHit = (s: FoundSighting): ServerHit => ({
  id: s.id,
  label: s.label,
  score: s.score,
  colours: s.colours,
  camera: s.cameraId,
  caseId: s.caseId,
  requestId: s.requestId,
  evidenceId: s.evidenceId,
  startSeconds: s.startSeconds,
  endSeconds: s.endSeconds,
  bestSeconds: s.bestSeconds,
  box: s.box,
  thumbnail: `/v1/search/sightings/${s.id}/thumbnail`,
})

/** Sightings the actor's agency may see, ranked; audited with the query and the result count. */
export async function search(ctx: ServiceContext, actor: Actor, input: SearchInput): Promise<{hits: ServerHit[]}> {
  const {near, ...filter} = input
  // A place filter runs on the camera's position after the query: fetch enough to fill the limit.
  const found = await ctx.store.search.findSightings({...filter, agencyId: actor.user.agency_id, limit: near ? 10_000 : filter.limit})
  const placed = near ? found.filter((s) => s.latitude !== null && s.longitude !== null && distanceMetres(near, {latitude: s.latitude, longitude: s.longitude}) <= near.radiusMetres) : found
  const hits = placed.slice(0, filter.limit).map(toHit)
  return ctx.audited(() => ({hits}), {target: input.caseId, detail: {query: input, results: hits.length}})
}

/** One sighting of the actor's agency (for its thumbnail and for clipping). */
export async function getSighting(ctx: ServiceContext, actor: Actor, input: {id: string}): Promise<FoundSighting> {
  const sighting = await ctx.store.search.getSighting(input.id)
  if (!sighting || (actor.user.agency_id && sighting.agencyId !== actor.user.agency_id)) throw notFound(`sighting ${input.id}`)
  return sighting
}

export async function sightingView(ctx: ServiceContext, actor: Actor, input: {id: string}): Promise<ServerHit> {
  const sighting = await getSighting(ctx, actor, input)
  return ctx.audited(() => toHit(sighting), {target: sighting.id, detail: {evidenceId: sighting.evidenceId}})
}

/** The thumbnail crop, decrypted and verified as it streams. */
export async function thumbnail(ctx: ServiceContext, actor: Actor, input: {id: string}): Promise<{stream: Readable; bytes: number}> {
  const sighting = await getSighting(ctx, actor, input)
  const stream = await ctx.evidence.read(sighting.thumbBlob, {sha256: sighting.thumbSha256, bytes: sighting.thumbBytes})
  await ctx.audited(() => undefined, {target: sighting.id, detail: {evidenceId: sighting.evidenceId}})
  return {stream, bytes: sighting.thumbBytes}
}
