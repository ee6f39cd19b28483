/**
 * Evidence: owners upload clips into a request (streamed, encrypted at rest, checked to be real video,
 * stored once and never overwritten); investigators download them decrypted and re-verified, and get
 * the signed custody document for a request or a whole case. Streams come in and go out as given: the
 * HTTP side only hands them over.
 */
import type {Readable} from 'node:stream'

import {type CustodyEvent, type CustodyFile, signCustody} from '../evidence/custody.js'
import {type IngestedVideo, ingestVideo} from '../evidence/ingest.js'
import {extensionFor, type VideoProbe} from '../evidence/probe.js'
import {badRequest, notFound} from '../server/http-error.js'
import {timelineActor} from './request-workflow.js'
import type {EvidenceCustody, EvidenceRecord} from '../store/evidence.js'
import type {RequestRow} from '../store/requests.js'
import type {Actor, ServiceContext} from './context.js'
import {type Answerer, answerableRequest} from './requests.js'
import {indexIfCaseIndexed} from './search.js'

/** What an upload says about its clip (all optional but for a derived copy's provenance). */
export interface UploadFacts {
  camera?: string
  fileName?: string
  clockOffsetSeconds?: number
  parent?: string
  /** A derived copy says what made it: tool, its version, the operation and its arguments (JSON array). */
  tool?: string
  toolVersion?: string
  operation?: string
  arguments?: string
}

function derivation(facts: UploadFacts): EvidenceCustody['derivation'] {
  if (!facts.parent) return null
  if (!facts.tool || !facts.toolVersion || !facts.operation) throw badRequest('a derived copy must say which tool, version and operation made it', 'tool')
  let args: unknown
  try {
    args = JSON.parse(facts.arguments ?? '[]')
  } catch {
    throw badRequest('arguments must be a JSON array of strings', 'arguments')
  }
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw badRequest('arguments must be a JSON array of strings', 'arguments')
  return {tool: facts.tool, version: facts.toolVersion, operation: facts.operation, arguments: args}
}

/** A request the actor's agency issued (any, for a user in no agency). */
async function agencyRequest(ctx: ServiceContext, agencyId: string | null, id: string): Promise<RequestRow> {
  const row = await ctx.store.requests.getRequestRow(id)
  if (!row || (agencyId && row.agency_id !== agencyId)) throw notFound(`request ${id}`)
  return row
}

/** Download names are generated: case, camera, evidence id, and the container's extension. */
function fileName(record: EvidenceRecord, caseId: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '').slice(0, 60) || 'x'
  return `${safe(caseId)}_${record.parentId ? 'derived' : 'original'}_${record.id}${extensionFor(String(record.media.container ?? ''))}`
}

export function custodyFile(record: EvidenceRecord, caseId: string): CustodyFile {
  return {
    id: record.id,
    name: fileName(record, caseId),
    requestId: record.requestId,
    kind: record.parentId ? 'derived' : 'original',
    parentId: record.parentId,
    sha256: record.sha256,
    bytes: record.size,
    cameraId: record.cameraId,
    media: record.media as unknown as VideoProbe,
    recorderClockOffsetSeconds: record.custody.recorderClockOffsetSeconds,
    uploadedBy: {...record.custody.uploadedBy},
    uploadedAt: record.custody.uploadedAt,
    uploadedFrom: record.custody.uploadedFrom,
    originalName: record.custody.originalName,
    derivation: record.custody.derivation,
  }
}

/** The record of a stored clip: ids, hashes and encryption from the store, custody from the caller. */
export function evidenceRecord(stored: IngestedVideo, of: {requestId: string; cameraId: string; parentId?: string}, custody: EvidenceCustody): EvidenceRecord {
  return {
    id: stored.id,
    requestId: of.requestId,
    cameraId: of.cameraId,
    parentId: of.parentId ?? null,
    blobId: stored.id,
    sha256: stored.sha256,
    size: stored.bytes,
    media: {...stored.media},
    encryption: {...stored.encryption, storedBytes: stored.storedBytes},
    custody,
    createdAt: custody.uploadedAt,
  }
}

/**
 * Store one clip for an open request: checked, encrypted and kept before its record commits; a record
 * that fails to commit takes its stored blob with it. `body` is the upload stream (undefined if the
 * call sent none).
 */
export async function uploadEvidence(ctx: ServiceContext, who: Answerer, input: UploadFacts & {body: Readable | undefined; source: string | null}) {
  const {row, actor} = await answerableRequest(ctx, who)
  const cameras = await ctx.store.requests.requestCameras(row.id)
  const cameraId = input.camera ?? (cameras.length === 1 ? cameras[0]!.cameraId : undefined)
  const names = cameras.map((c) => `"${c.name}" (${c.cameraId})`).join(', ')
  if (!cameraId) throw badRequest(`this request names ${cameras.length} cameras: say which one recorded the clip (--camera NAME): ${names}`, 'camera')
  if (!cameras.some((c) => c.cameraId === cameraId)) throw badRequest(`camera ${cameraId} is not part of request ${row.id}; its cameras: ${names}`, 'camera')
  if (input.parent && (await ctx.store.evidence.getEvidence(input.parent))?.requestId !== row.id) throw badRequest(`parent ${input.parent} is not evidence of this request`, 'parent')
  const made = derivation(input)
  if (!input.body) throw badRequest('send the clip as the request body (application/octet-stream)')
  const stored = await ingestVideo(ctx.evidence, input.body, {label: input.fileName ?? 'the upload'})
  const now = ctx.now().toISOString()
  const record = evidenceRecord(
    stored,
    {requestId: row.id, cameraId, parentId: input.parent},
    {uploadedBy: actor, uploadedAt: now, uploadedFrom: input.source, originalName: input.fileName ?? null, recorderClockOffsetSeconds: input.clockOffsetSeconds ?? null, derivation: made},
  )
  try {
    const uploaded = await ctx.audited(
      async () => {
        await ctx.store.evidence.insertEvidence(record)
        await ctx.store.requests.addTimeline(row.id, {time: now, actor, from: input.source, event: made ? 'derived' : 'uploaded', target: record.id, detail: {sha256: record.sha256, size: record.size, parent: record.parentId}})
        return {id: record.id, requestId: row.id, cameraId, parentId: record.parentId, sha256: record.sha256, size: record.size, media: stored.media}
      },
      {target: record.id, detail: {requestId: row.id, sha256: record.sha256, size: record.size}},
    )
    // A case already indexed for search gets its new footage indexed in the background.
    void indexIfCaseIndexed(ctx, record.id).catch(() => undefined)
    return uploaded
  } catch (error) {
    await ctx.evidence.delete(stored.id)
    throw error
  }
}

/**
 * One evidence file, decrypted and re-verified as it streams. The download is recorded in the
 * request's timeline before the first byte leaves.
 */
export async function downloadEvidence(ctx: ServiceContext, actor: Actor, input: {id: string; source: string | null}): Promise<{stream: Readable; sha256: string; size: number}> {
  const record = await ctx.store.evidence.getEvidence(input.id)
  if (!record) throw notFound(`evidence ${input.id}`)
  await agencyRequest(ctx, actor.user.agency_id, record.requestId)
  const stream = await ctx.evidence.read(record.blobId, {sha256: record.sha256, bytes: record.size})
  await ctx.audited(
    () => ctx.store.requests.addTimeline(record.requestId, {time: ctx.now().toISOString(), actor: timelineActor(actor), from: input.source, event: 'downloaded', target: record.id, detail: null}),
    {target: record.id, detail: {requestId: record.requestId, sha256: record.sha256}},
  )
  return {stream, sha256: record.sha256, size: record.size}
}

/** The signed chain-of-custody document for one request or a whole case (the actor's agency's). */
export async function custodyDocument(ctx: ServiceContext, actor: Actor, input: {request?: string; case?: string}) {
  const rows = input.request
    ? [await agencyRequest(ctx, actor.user.agency_id, input.request)]
    : await ctx.store.requests.listRequestRows({caseId: input.case, agencyId: actor.user.agency_id ?? undefined, limit: 10_000})
  if (rows.length === 0) throw notFound(`case ${input.case}`)
  const caseId = rows[0]!.case_id
  const files: CustodyFile[] = []
  const entries = []
  for (const r of rows) {
    for (const record of await ctx.store.evidence.evidenceForRequest(r.id)) files.push(custodyFile(record, caseId))
    entries.push(...(await ctx.store.requests.timeline(r.id)))
  }
  const timeline: CustodyEvent[] = entries
    .sort((a, b) => a.time.localeCompare(b.time))
    .map((t) => ({at: t.time, actor: {...t.actor}, from: t.from, action: t.event, target: t.target, ...(t.detail ? {detail: t.detail} : {})}))
  return ctx.audited(
    () =>
      signCustody(
        {
          origin: ctx.secrets.origin,
          case: {id: caseId, agency: rows[0]!.agency_name},
          requests: rows.map((r) => ({id: r.id, caseId: r.case_id, status: r.status, ownerId: r.owner_id, window: {from: r.window_from, to: r.window_to}, reason: r.reason, issuedBy: r.issued_by_name})),
          files,
          timeline,
        },
        ctx.secrets.signingKey,
      ),
    {target: input.request ?? caseId, detail: {files: files.length}},
  )
}
