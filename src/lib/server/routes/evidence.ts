/**
 * Evidence: owners upload clips into a request (streamed, encrypted at rest, checked to be real video,
 * stored once and never overwritten); investigators download them decrypted and re-verified.
 */
import {z} from 'zod'

import {probeStoredVideo} from '../../evidence/probe.js'
import * as evidence from '../../store/evidence.js'
import * as requests from '../../store/requests.js'
import type {ServerContext} from '../context.js'
import {badRequest, notFound} from '../http-error.js'
import {defineRoute} from '../route.js'
import {answerableRequest} from './requests.js'

const VIEWERS = ['admin' as const, 'supervisor' as const, 'investigator' as const]

export const UploadQuery = z.object({
  camera: z.string().max(100).optional(),
  fileName: z.string().max(500).optional(),
  clockOffsetSeconds: z.coerce.number().min(-86_400 * 366).max(86_400 * 366).optional(),
  parent: z.string().max(100).optional(),
  tool: z.string().max(500).optional(),
})

/** The evidence of a request the actor's agency issued (or any, for a user in no agency). */
function visibleEvidence(ctx: ServerContext, agencyId: string | null, id: string): evidence.EvidenceRecord {
  const record = evidence.getEvidence(ctx.db, id)
  const request = record && requests.getRequestRow(ctx.db, record.requestId)
  if (!record || !request || (agencyId && request.agency_id !== agencyId)) throw notFound(`evidence ${id}`)
  return record
}

export const evidenceRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/evidence',
    action: 'evidence.upload',
    roles: 'public',
    query: UploadQuery,
    handler: async (call) => {
      const {ctx, req, query, reply} = call
      const {row, actorName} = answerableRequest(call)
      const cameras = requests.requestCameras(ctx.db, row.id)
      const cameraId = query.camera ?? (cameras.length === 1 ? cameras[0]!.cameraId : undefined)
      if (!cameraId) throw badRequest(`this request names ${cameras.length} cameras: say which one recorded the clip (--camera ID)`, 'camera')
      if (!cameras.some((c) => c.cameraId === cameraId)) throw badRequest(`camera ${cameraId} is not part of request ${row.id}`, 'camera')
      if (query.parent && evidence.getEvidence(ctx.db, query.parent)?.requestId !== row.id) throw badRequest(`parent ${query.parent} is not evidence of this request`, 'parent')
      if (!req.body || typeof (req.body as NodeJS.ReadableStream).pipe !== 'function') throw badRequest('send the clip as the request body (application/octet-stream)')
      const stored = await ctx.evidence.put(req.body as NodeJS.ReadableStream as never)
      let media
      try {
        media = await probeStoredVideo(ctx.evidence, stored.id, {label: query.fileName ?? 'the upload'})
      } catch (error) {
        await ctx.evidence.delete(stored.id)
        throw error
      }
      const now = ctx.now().toISOString()
      const record: evidence.EvidenceRecord = {
        id: stored.id,
        requestId: row.id,
        cameraId,
        parentId: query.parent ?? null,
        blobId: stored.id,
        sha256: stored.sha256,
        size: stored.bytes,
        media: {...media},
        encryption: {...stored.encryption, storedBytes: stored.storedBytes},
        custody: {uploadedBy: actorName, uploadedAt: now, sourceAddress: req.ip, fileName: query.fileName ?? null, clockOffsetSeconds: query.clockOffsetSeconds ?? null, tool: query.tool ?? null},
        createdAt: now,
      }
      reply.code(201)
      try {
        return call.tx(() => {
          evidence.insertEvidence(ctx.db, record)
          requests.addTimeline(ctx.db, row.id, {time: now, actor: actorName, event: query.parent ? 'derived' : 'uploaded', detail: {evidenceId: record.id, sha256: record.sha256, size: record.size, parent: record.parentId}})
          return {id: record.id, requestId: row.id, cameraId, parentId: record.parentId, sha256: record.sha256, size: record.size, media}
        }, {target: record.id, detail: {requestId: row.id, sha256: record.sha256, size: record.size}})
      } catch (error) {
        await ctx.evidence.delete(stored.id)
        throw error
      }
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/requests/:id/evidence',
    action: 'evidence.list',
    roles: VIEWERS,
    handler: ({ctx, actor, params, tx}) => {
      const request = requests.getRequestRow(ctx.db, params.id!)
      if (!request || (actor.user.agency_id && request.agency_id !== actor.user.agency_id)) throw notFound(`request ${params.id}`)
      return tx(() => evidence.evidenceForRequest(ctx.db, request.id), {target: request.id, detail: (list) => ({rows: list.length})})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/evidence/:id/content',
    action: 'evidence.download',
    roles: VIEWERS,
    handler: async ({ctx, actor, params, reply, tx}) => {
      const record = visibleEvidence(ctx, actor.user.agency_id, params.id!)
      const stream = await ctx.evidence.read(record.blobId, {sha256: record.sha256, bytes: record.size})
      tx(() => {
        requests.addTimeline(ctx.db, record.requestId, {time: ctx.now().toISOString(), actor: actor.user.username, event: 'downloaded', detail: {evidenceId: record.id}})
      }, {target: record.id, detail: {requestId: record.requestId, sha256: record.sha256}})
      reply.header('content-type', 'application/octet-stream')
      reply.header('x-rtcc-sha256', record.sha256)
      reply.header('content-length', String(record.size))
      return reply.send(stream)
    },
  }),
]
