/** Scoped API tokens for scripts: HTTP over services/tokens. */
import {z} from 'zod'

import {CreateTokenBody} from '../../domain/auth.js'
import {ANY_ROLE} from '../../domain/roles.js'
import * as tokens from '../../services/tokens.js'
import {defineRoute} from '../route.js'

export const tokenRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/tokens',
    action: 'token.create',
    roles: ANY_ROLE,
    body: CreateTokenBody,
    handler: async ({ctx, actor, body, reply}) => {
      const token = await tokens.createToken(ctx, actor, body)
      reply.code(201)
      return token
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/tokens',
    action: 'token.list',
    roles: ANY_ROLE,
    query: z.object({all: z.enum(['true', 'false']).optional()}),
    handler: ({ctx, actor, query}) => tokens.listTokens(ctx, actor, {all: query.all === 'true'}),
  }),

  defineRoute({
    method: 'DELETE',
    url: '/v1/tokens/:id',
    action: 'token.revoke',
    roles: ANY_ROLE,
    handler: ({ctx, actor, params}) => tokens.revokeToken(ctx, actor, {id: params.id!}),
  }),
]
