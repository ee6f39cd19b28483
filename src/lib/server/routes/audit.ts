/**
 * Reading and proving the audit log (admin, supervisor): HTTP over services/audit. Reading is itself
 * audited. The log cannot be changed through the API: those routes exist only to refuse and record the attempt.
 */
import {z} from 'zod'

import {AUDIT_OUTCOMES} from '../../audit/record.js'
import {AUDIT_READERS} from '../../domain/roles.js'
import * as audit from '../../services/audit.js'
import {verifyCoreRequest} from '../core-link/request-auth.js'
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
    handler: ({ctx, query}) => audit.auditHead(ctx, query),
  }),

  // A Core that checked a checkpoint countersigns it (C2SP tlog-cosignature) in a request it signs.
  defineRoute({
    method: 'POST',
    url: '/v1/audit/cosignatures/:coreId',
    rateLimit: {max: 60, windowSeconds: 60},
    action: 'audit.cosign',
    roles: 'public',
    body: CosignatureBody,
    handler: async ({ctx, params, body, req}) => audit.addCosignature(ctx, await verifyCoreRequest(ctx, req, params.coreId!), body),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/audit',
    action: 'audit.query',
    roles: AUDIT_READERS,
    query: AuditQueryParams,
    handler: ({ctx, actor, query}) => audit.queryAudit(ctx, actor, query),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/audit/checkpoint',
    action: 'audit.checkpoint',
    roles: AUDIT_READERS,
    handler: ({ctx, actor}) => audit.createCheckpoint(ctx, actor),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/audit/proof/:id',
    action: 'audit.prove',
    roles: AUDIT_READERS,
    handler: ({ctx, actor, params}) => audit.proveRecord(ctx, actor, params.id!),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/audit/consistency',
    action: 'audit.consistency',
    roles: AUDIT_READERS,
    query: z.object({from: z.coerce.number().int().min(0)}),
    handler: ({ctx, actor, query}) => audit.proveConsistency(ctx, actor, query),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/audit/verify',
    action: 'audit.verify',
    roles: AUDIT_READERS,
    handler: ({ctx, actor}) => audit.verifyLog(ctx, actor),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/audit/public-key',
    action: 'audit.public_key',
    roles: AUDIT_READERS,
    handler: ({ctx, actor}) => audit.auditPublicKey(ctx, actor),
  }),

  refuse('DELETE', '/v1/audit'),
  refuse('DELETE', '/v1/audit/:id'),
  refuse('PUT', '/v1/audit/:id'),
  refuse('PATCH', '/v1/audit/:id'),
]
