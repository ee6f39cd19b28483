/**
 * Evidence: owners upload clips into a request (streamed, encrypted at rest, checked to be real video,
 * stored once and never overwritten); investigators download them decrypted and re-verified, and get
 * the signed custody document for a request or a whole case.
 */
import type {Readable} from 'node:stream'
import {z} from 'zod'

import {type CustodyEvent, type CustodyFile, signCustody} from '../../evidence/custody.js'
import {extensionFor, type VideoProbe} from '../../evidence/probe.js'
import {ingestVideo} from '../../evidence/ingest.js'
import * as evidence from '../../store/evidence.js'
import * as requests from '../../store/requests.js'
import type {ServerContext} from '../context.js'
import {badRequest, notFound} from '../http-error.js'
import {defineRoute} from '../route.js'
import {timelineActor} from '../requests/workflow.js'
import {answerableRequest} from './requests.js'

const VIEWERS = ['admin' as const, 'supervisor' as const, 'investigator' as const]

export const UploadQuery = z.object({
  camera: z.string().max(100).optional(),
  fileName: z.string().max(500).optional(),
  clockOffsetSeconds: z.coerce.number().min(-86_400 * 366).max(86_400 * 366).optional(),
  parent: z.string().max(100).optional(),
  /** A derived copy says what made it: tool, its version, the operation and its arguments (JSON array). */
  tool: z.string().max(100).optional(),
  toolVersion: z.string().max(300).optional(),
  operation: z.string().max(100).optional(),
  arguments: z.string().max(4000).optional(),
})

function derivation(query: z.infer<typeof UploadQuery>): evidence.EvidenceCustody['derivation'] {
  if (!query.parent) return null
  if (!query.tool || !query.toolVersion || !query.operation) throw badRequest('a derived copy must say which tool, version and operation made it', 'tool')
  let args: unknown
  try {
    args = JSON.parse(query.arguments ?? '[]')
  } catch {
    throw badRequest('arguments must be a JSON array of strings', 'arguments')
  }
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw badRequest('arguments must be a JSON array of strings', 'arguments')
  return {tool: query.tool, version: query.toolVersion, operation: query.operation, arguments: args}
}

/** A request the actor's agency issued (any, for a user in no agency). */
function agencyRequest(ctx: ServerContext, agencyId: string | null, id: string): requests.RequestRow {
  const row = requests.getRequestRow(ctx.db, id)
  if (!row || (agencyId && row.agency_id !== agencyId)) throw notFound(`request ${id}`)
  return row
}

/** Download names are generated: case, camera, evidence id, and the container's extension. */
function fileName(record: evidence.EvidenceRecord, caseId: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '').slice(0, 60) || 'x'
  return `${safe(caseId)}_${record.parentId ? 'derived' : 'original'}_${record.id}${extensionFor(String(record.media.container ?? ''))}`
}

export function custodyFile(record: evidence.EvidenceRecord, caseId: string): CustodyFile {
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

export const evidenceRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/evidence',
    action: 'evidence.upload',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    query: UploadQuery,
    handler: async (call) => {
      const {ctx, req, query, reply} = call
      const {row, actor} = answerableRequest(call)
      const cameras = requests.requestCameras(ctx.db, row.id)
      const cameraId = query.camera ?? (cameras.length === 1 ? cameras[0]!.cameraId : undefined)
      const names = cameras.map((c) => `"${c.name}" (${c.cameraId})`).join(', ')
      if (!cameraId) throw badRequest(`this request names ${cameras.length} cameras: say which one recorded the clip (--camera NAME): ${names}`, 'camera')
      if (!cameras.some((c) => c.cameraId === cameraId)) throw badRequest(`camera ${cameraId} is not part of request ${row.id}; its cameras: ${names}`, 'camera')
      if (query.parent && evidence.getEvidence(ctx.db, query.parent)?.requestId !== row.id) throw badRequest(`parent ${query.parent} is not evidence of this request`, 'parent')
      const made = derivation(query)
      if (!req.body || typeof (req.body as Readable).pipe !== 'function') throw badRequest('send the clip as the request body (application/octet-stream)')
      const stored = await ingestVideo(ctx.evidence, req.body as Readable, {label: query.fileName ?? 'the upload'})
      const now = ctx.now().toISOString()
      const record: evidence.EvidenceRecord = {
        id: stored.id,
        requestId: row.id,
        cameraId,
        parentId: query.parent ?? null,
        blobId: stored.id,
        sha256: stored.sha256,
        size: stored.bytes,
        media: {...stored.media},
        encryption: {...stored.encryption, storedBytes: stored.storedBytes},
        custody: {uploadedBy: actor, uploadedAt: now, uploadedFrom: req.ip, originalName: query.fileName ?? null, recorderClockOffsetSeconds: query.clockOffsetSeconds ?? null, derivation: made},
        createdAt: now,
      }
      reply.code(201)
      try {
        return call.tx(() => {
          evidence.insertEvidence(ctx.db, record)
          requests.addTimeline(ctx.db, row.id, {time: now, actor, from: req.ip, event: made ? 'derived' : 'uploaded', target: record.id, detail: {sha256: record.sha256, size: record.size, parent: record.parentId}})
          return {id: record.id, requestId: row.id, cameraId, parentId: record.parentId, sha256: record.sha256, size: record.size, media: stored.media}
        }, {target: record.id, detail: {requestId: row.id, sha256: record.sha256, size: record.size}})
      } catch (error) {
        await ctx.evidence.delete(stored.id)
        throw error
      }
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/evidence/:id/content',
    action: 'evidence.download',
    roles: VIEWERS,
    handler: async ({ctx, actor, params, req, reply, tx}) => {
      const record = evidence.getEvidence(ctx.db, params.id!)
      if (!record) throw notFound(`evidence ${params.id}`)
      agencyRequest(ctx, actor.user.agency_id, record.requestId)
      const stream = await ctx.evidence.read(record.blobId, {sha256: record.sha256, bytes: record.size})
      tx(() => {
        requests.addTimeline(ctx.db, record.requestId, {time: ctx.now().toISOString(), actor: timelineActor(actor), from: req.ip, event: 'downloaded', target: record.id, detail: null})
      }, {target: record.id, detail: {requestId: record.requestId, sha256: record.sha256}})
      reply.header('content-type', 'application/octet-stream')
      reply.header('x-rtcc-sha256', record.sha256)
      reply.header('content-length', String(record.size))
      return reply.send(stream)
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/custody',
    action: 'evidence.custody',
    roles: VIEWERS,
    query: z.object({request: z.string().optional(), case: z.string().optional()}).refine((q) => q.request || q.case, 'give request or case'),
    handler: ({ctx, actor, query, tx}) => {
      const rows = query.request
        ? [agencyRequest(ctx, actor.user.agency_id, query.request)]
        : requests.listRequestRows(ctx.db, {caseId: query.case, agencyId: actor.user.agency_id ?? undefined, limit: 10_000})
      if (rows.length === 0) throw notFound(`case ${query.case}`)
      const caseId = rows[0]!.case_id
      const files = rows.flatMap((r) => evidence.evidenceForRequest(ctx.db, r.id)).map((record) => custodyFile(record, caseId))
      const timeline: CustodyEvent[] = rows
        .flatMap((r) => requests.timeline(ctx.db, r.id))
        .sort((a, b) => a.time.localeCompare(b.time))
        .map((t) => ({at: t.time, actor: {...t.actor}, from: t.from, action: t.event, target: t.target, ...(t.detail ? {detail: t.detail} : {})}))
      return tx(
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
        {target: query.request ?? caseId, detail: {files: files.length}},
      )
    },
  }),
]
