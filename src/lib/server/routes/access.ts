/** Access requests and the owner's access report: HTTP over services/access. */
import {z} from 'zod'

import {AccessListQuery, AccessRequestBody, ApproveBody, DenyBody} from '../../domain/access.js'
import {READ_REGISTRY} from '../../domain/roles.js'
import * as access from '../../services/access.js'
import {defineRoute} from '../route.js'

const REQUESTERS = ['admin' as const, 'supervisor' as const, 'investigator' as const]

export const accessRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/access-requests',
    action: 'access.request',
    roles: REQUESTERS,
    body: AccessRequestBody,
    handler: async ({ctx, actor, body, reply}) => {
      const request = await access.requestAccess(ctx, actor, body)
      reply.code(201)
      return request
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/access-requests',
    action: 'access.list',
    roles: [...READ_REGISTRY, 'owner'],
    query: AccessListQuery,
    handler: ({ctx, actor, query}) => access.listAccessRequests(ctx, actor, query),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/access-requests/:id',
    action: 'access.read',
    roles: [...READ_REGISTRY, 'owner'],
    handler: ({ctx, actor, params}) => access.showAccessRequest(ctx, actor, {id: params.id!}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/access-requests/:id/approve',
    action: 'access.approve',
    roles: ['owner'],
    body: ApproveBody,
    handler: ({ctx, actor, params, body}) => access.approveAccess(ctx, actor, {id: params.id!, statement: body.statement}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/access-requests/:id/deny',
    action: 'access.deny',
    roles: ['owner'],
    body: DenyBody,
    handler: ({ctx, actor, params, body}) => access.denyAccess(ctx, actor, {id: params.id!, reason: body.reason}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/access-requests/:id/revoke',
    action: 'access.revoke',
    roles: ['owner'],
    body: DenyBody,
    handler: ({ctx, actor, params, body}) => access.revokeAccess(ctx, actor, {id: params.id!, reason: body.reason}),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/owners/me/access-report',
    action: 'owner.access_report',
    roles: ['owner'],
    query: z.object({
      since: z.iso.datetime({offset: true}).optional(),
      limit: z.coerce.number().int().min(1).max(50_000).default(10_000),
    }),
    handler: ({ctx, actor, query}) => access.accessReport(ctx, actor, query),
  }),
]
