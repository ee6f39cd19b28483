/**
 * Reading and proving the audit log (admin, supervisor). Reading is itself audited. The log cannot be
 * changed through the API: those routes exist only to refuse and record the attempt.
 */
import {createPublicKey} from 'node:crypto'

import {z} from 'zod'

import {coreCosignerName, verifyCosignature, withCosignatures} from '../../audit/cosignature.js'
import {formatVerifierKey} from '../../audit/note.js'
import {AUDIT_OUTCOMES} from '../../audit/record.js'
import {verifyAuditLog} from '../../audit/verify.js'
import {AUDIT_READERS} from '../../domain/roles.js'
import {cosignatureLines, getCheckpoint, queryAuditRecords, upsertCosignature} from '../../store/audit.js'
import type {ServerContext} from '../context.js'
import {verifyCoreRequest} from '../core-link/request-auth.js'
import {badRequest, notFound} from '../http-error.js'
import {defineRoute} from '../route.js'

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 time')

export const AuditQueryParams = z.object({
  actor: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  target: z.string().max(200).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  afterSeq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
})

export const verifierKey = (ctx: ServerContext) => formatVerifierKey(ctx.secrets.origin, ctx.secrets.publicKey)

const checkpointView = (ctx: ServerContext, c: {size: number; rootHash: Buffer; note: string; createdAt: string}) => ({
  size: c.size,
  rootHash: c.rootHash.toString('base64'),
  note: c.note,
  createdAt: c.createdAt,
  verifierKey: verifierKey(ctx),
})

const refuse = (method: 'PUT' | 'PATCH' | 'DELETE', url: string) =>
  defineRoute({method, url, action: 'audit.modify', roles: [], handler: () => undefined})

const CosignatureBody = z.object({size: z.number().int().min(0), cosignature: z.string().min(1).max(500)})

export const auditRoutes = [
  // Witnessing: every client keeps the newest checkpoint it saw and checks the log still extends it.
  // Public like any transparency log head: sizes and hashes only, no record content.
  defineRoute({
    method: 'GET',
    url: '/v1/audit/head',
    // Every CLI command and dashboard asks once at its first contact: generous for scripts on one host.
    rateLimit: {max: 600, windowSeconds: 60},
    action: 'audit.head',
    roles: 'public',
    query: z.object({from: z.coerce.number().int().min(0).optional()}),
    handler: ({ctx, query}) => {
      const head = ctx.audit.head()
      const proof = query.from !== undefined && query.from <= head.size ? ctx.audit.consistencyProof(query.from, head.size).proof : undefined
      return {
        size: head.size,
        rootHash: head.rootHash.toString('base64'),
        checkpoint: withCosignatures(head.note, cosignatureLines(ctx.db, head.size)),
        verifierKey: verifierKey(ctx),
        proof,
      }
    },
  }),

  // A Core that checked a checkpoint countersigns it (C2SP tlog-cosignature) in a request it signs.
  defineRoute({
    method: 'POST',
    url: '/v1/audit/cosignatures/:coreId',
    rateLimit: {max: 60, windowSeconds: 60},
    action: 'audit.cosign',
    roles: 'public',
    body: CosignatureBody,
    handler: ({ctx, params, body, req, tx}) => {
      const core = verifyCoreRequest(ctx, req, params.coreId!)
      const checkpoint = getCheckpoint(ctx.db, body.size)
      if (!checkpoint) throw notFound(`signed checkpoint at size ${body.size}`)
      const name = coreCosignerName(core.id)
      let signedAt: number
      try {
        signedAt = verifyCosignature(checkpoint.note, body.cosignature, name, createPublicKey(core.public_key))
      } catch (error) {
        throw badRequest((error as Error).message, 'cosignature')
      }
      return tx(() => {
        upsertCosignature(ctx.db, {size: body.size, cosigner: name, line: body.cosignature, signedAt})
        return {size: body.size, cosigner: name}
      }, {target: core.id, detail: {size: body.size}})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/audit',
    action: 'audit.query',
    roles: AUDIT_READERS,
    query: AuditQueryParams,
    handler: ({ctx, query, tx}) => {
      const filters = {...query, since: query.since && new Date(query.since).toISOString(), until: query.until && new Date(query.until).toISOString()}
      return tx(() => queryAuditRecords(ctx.db, filters), {detail: {query: filters}})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/audit/checkpoint',
    action: 'audit.checkpoint',
    roles: AUDIT_READERS,
    handler: ({ctx, tx}) => {
      tx(() => undefined)
      return checkpointView(ctx, ctx.audit.checkpoint())
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/audit/proof/:id',
    action: 'audit.prove',
    roles: AUDIT_READERS,
    handler: ({ctx, params, tx}) => {
      tx(() => undefined, {target: params.id})
      return {...ctx.audit.inclusionProof(/^\d+$/.test(params.id!) ? Number(params.id) : params.id!), verifierKey: verifierKey(ctx)}
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/audit/consistency',
    action: 'audit.consistency',
    roles: AUDIT_READERS,
    query: z.object({from: z.coerce.number().int().min(0)}),
    handler: ({ctx, query, tx}) => {
      tx(() => undefined, {detail: {from: query.from}})
      return {...ctx.audit.consistencyProof(query.from), verifierKey: verifierKey(ctx)}
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/audit/verify',
    action: 'audit.verify',
    roles: AUDIT_READERS,
    handler: ({ctx, tx}) => {
      tx(() => undefined)
      ctx.audit.afterCommit()
      return verifyAuditLog(ctx.db, ctx.secrets.publicKey)
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/audit/public-key',
    action: 'audit.public_key',
    roles: AUDIT_READERS,
    handler: ({ctx, tx}) => tx(() => ({verifierKey: verifierKey(ctx), pem: ctx.secrets.publicKey.export({format: 'pem', type: 'spki'}).toString()})),
  }),

  refuse('DELETE', '/v1/audit'),
  refuse('DELETE', '/v1/audit/:id'),
  refuse('PUT', '/v1/audit/:id'),
  refuse('PATCH', '/v1/audit/:id'),
]
