/** Evidence upload, download and custody: HTTP over services/evidence (streams pass straight through). */
import type {Readable} from 'node:stream'
import {z} from 'zod'

import * as evidence from '../../services/evidence.js'
import {defineRoute} from '../route.js'
import {answerer} from './requests.js'

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

/** A request body left as a stream by the octet-stream parser (uploads). */
export const isStream = (body: unknown): body is Readable => typeof (body as Readable | undefined)?.pipe === 'function'

export const evidenceRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/evidence',
    action: 'evidence.upload',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    query: UploadQuery,
    handler: async ({ctx, actor, params, req, query, reply}) => {
      const body = isStream(req.body) ? req.body : undefined
      reply.code(201)
      return evidence.uploadEvidence(ctx, answerer(req, actor, params), {...query, body, source: req.ip})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/evidence/:id/content',
    action: 'evidence.download',
    roles: VIEWERS,
    handler: async ({ctx, actor, params, req, reply}) => {
      const file = await evidence.downloadEvidence(ctx, actor, {id: params.id!, source: req.ip})
      reply.header('content-type', 'application/octet-stream')
      reply.header('x-rtcc-sha256', file.sha256)
      reply.header('content-length', String(file.size))
      return reply.send(file.stream)
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/custody',
    action: 'evidence.custody',
    roles: VIEWERS,
    query: z.object({request: z.string().optional(), case: z.string().optional()}).refine((q) => q.request || q.case, 'give request or case'),
    handler: ({ctx, actor, query}) => evidence.custodyDocument(ctx, actor, query),
  }),
]
