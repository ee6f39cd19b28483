/**
 * Sharing policies: HTTP over services/policy. The server has no operation that changes or overrides
 * a policy: every attempt but the owner's signed upload (PUT, PATCH, DELETE, POST on a camera's
 * policy, or an upload by anyone but an owner) is refused with 403 and audited with the camera as its target.
 */
import {z} from 'zod'

import {RegisterKeyBody, VideoKind} from '../../domain/policy.js'
import {ANY_ROLE, READ_REGISTRY} from '../../domain/roles.js'
import * as policies from '../../services/policy.js'
import {defineRoute} from '../route.js'

/** Routes that exist to refuse: any role, any camera, always 403, audited with the camera as target. */
const refuse = (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string) =>
  defineRoute({
    method,
    url,
    action: 'policy.change',
    roles: ANY_ROLE,
    handler: ({ctx, actor, params}) => policies.refusePolicyChange(ctx, actor, {cameraId: params.cameraId!, method}),
  })

const DecisionQuery = z.object({
  kind: VideoKind.default('live'),
  at: z.iso.datetime({offset: true}).optional(),
  /** A role name, or a user name (whose role, id and agency then count, e.g. for approvals bound to them). */
  as: z.string().min(1).max(100).optional(),
})

export const policyRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/owner-keys',
    action: 'policy.key.list',
    roles: ['owner'],
    handler: ({ctx, actor}) => policies.listOwnerKeys(ctx, actor),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/owner-keys',
    action: 'policy.key.register',
    roles: ['owner'],
    body: RegisterKeyBody,
    handler: async ({ctx, actor, body, reply}) => {
      const {key, created} = await policies.registerOwnerKey(ctx, actor, body)
      if (created) reply.code(201)
      return key
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/policies',
    action: 'policy.list',
    roles: [...READ_REGISTRY, 'owner'],
    query: z.object({limit: z.coerce.number().int().min(1).max(10_000).default(1000)}),
    handler: ({ctx, actor, query}) => policies.listPolicies(ctx, actor, query),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/policies/:cameraId',
    action: 'policy.read',
    roles: [...READ_REGISTRY, 'owner'],
    handler: ({ctx, actor, params}) => policies.showPolicy(ctx, actor, {cameraId: params.cameraId!}),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/policies/:cameraId/decision',
    action: 'policy.explain',
    roles: [...READ_REGISTRY, 'owner'],
    query: DecisionQuery,
    handler: ({ctx, actor, params, query}) => policies.explainPolicy(ctx, actor, {cameraId: params.cameraId!, ...query}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/policies',
    action: 'policy.upload',
    // Every role reaches the handler so that a refusal is audited with the camera it aimed at.
    roles: ANY_ROLE,
    handler: async ({ctx, actor, body, reply}) => {
      const view = await policies.uploadPolicy(ctx, actor, body)
      reply.code(201)
      return view
    },
  }),

  refuse('POST', '/v1/policies/:cameraId'),
  refuse('PUT', '/v1/policies/:cameraId'),
  refuse('PATCH', '/v1/policies/:cameraId'),
  refuse('DELETE', '/v1/policies/:cameraId'),
]
