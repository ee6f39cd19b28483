/** Footage requests: HTTP over services/requests. */
import type {FastifyRequest} from 'fastify'
import {z} from 'zod'

import {CanvassBody, type CanvassResult, REQUEST_STATUSES, REQUEST_TOKEN_HEADER} from '../../domain/requests.js'
import {READ_REGISTRY} from '../../domain/roles.js'
import * as requests from '../../services/requests.js'
import type {Actor} from '../context.js'
import {defineRoute} from '../route.js'

const ISSUERS = ['admin' as const, 'supervisor' as const, 'investigator' as const]

/** Who is answering a request: the one-time token header, else the signed-in owner and the id in the URL. */
export function answerer(req: FastifyRequest, actor: Actor | undefined, params: Record<string, string>): requests.Answerer {
  const token = req.headers[REQUEST_TOKEN_HEADER]
  return {actor, token: typeof token === 'string' && token ? token : undefined, id: params.id}
}

export const requestRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/requests/canvass',
    action: 'request.issue',
    roles: ISSUERS,
    body: CanvassBody,
    handler: async ({ctx, actor, body, req, reply}): Promise<CanvassResult> => {
      const result = await requests.issueCanvass(ctx, actor, {...body, source: req.ip})
      if (!body.dryRun) reply.code(201)
      return result
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/requests',
    action: 'request.list',
    roles: READ_REGISTRY,
    query: z.object({case: z.string().optional(), status: z.enum(REQUEST_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(200)}),
    handler: ({ctx, actor, query}) => requests.listRequests(ctx, actor, query),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/requests/inbox',
    action: 'request.inbox',
    roles: ['owner'],
    handler: ({ctx, actor}) => requests.ownerInbox(ctx, actor),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/requests/:id',
    action: 'request.show',
    roles: [...READ_REGISTRY, 'owner'],
    handler: ({ctx, actor, params, req}) => requests.showRequest(ctx, actor, {id: params.id!, source: req.ip}),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/requests/by-token',
    action: 'request.show',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    handler: ({ctx, actor, params, req}) => requests.showByToken(ctx, answerer(req, actor, params), {source: req.ip}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/decline',
    action: 'request.decline',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    body: z.object({reason: z.string().trim().min(1).max(2000)}),
    handler: ({ctx, actor, params, req, body}) => requests.declineRequest(ctx, answerer(req, actor, params), {reason: body.reason, source: req.ip}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/complete',
    action: 'request.fulfil',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    handler: ({ctx, actor, params, req}) => requests.fulfilRequest(ctx, answerer(req, actor, params), {source: req.ip}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/cancel',
    action: 'request.cancel',
    roles: ISSUERS,
    body: z.object({reason: z.string().max(2000).optional()}).default({}),
    handler: ({ctx, actor, params, req, body}) => requests.cancelRequest(ctx, actor, {id: params.id!, reason: body.reason, source: req.ip}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/requests/remind',
    action: 'request.remind',
    roles: ISSUERS,
    body: z.object({olderThanSeconds: z.number().int().min(0).default(2 * 86_400), caseId: z.string().optional()}),
    handler: ({ctx, actor, body}) => requests.remindRequests(ctx, actor, body),
  }),
]
