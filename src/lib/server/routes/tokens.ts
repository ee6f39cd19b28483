/** Scoped API tokens for scripts: created from a login session, shown once, revocable. */
import {z} from 'zod'

import {CreateTokenBody, type TokenView} from '../../domain/auth.js'
import {ANY_ROLE, grantableScopes} from '../../domain/roles.js'
import * as sessions from '../../store/sessions.js'
import {createApiToken} from '../credentials.js'
import {forbidden, notFound} from '../http-error.js'
import {defineRoute} from '../route.js'

const toTokenView = (row: sessions.TokenRow): TokenView => ({
  id: row.id,
  name: row.name,
  roleScope: row.role_scope,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revoked: row.revoked_at !== null,
})

export const tokenRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/tokens',
    action: 'token.create',
    roles: ANY_ROLE,
    body: CreateTokenBody,
    handler: ({ctx, actor, body, tx, reply}) => {
      if (actor.via !== 'session') throw forbidden('API tokens are created from a login session, not from another token')
      const scope = body.roleScope ?? actor.user.role
      const allowed = grantableScopes(actor.user.role)
      if (!allowed.includes(scope)) throw forbidden(`a ${actor.user.role} cannot make a token above their own role; they can scope tokens to: ${allowed.join(', ')}`)
      reply.code(201)
      return tx(() => {
        const {token, row} = createApiToken(ctx, {userId: actor.user.id, name: body.name, roleScope: scope, expiresInSeconds: body.expiresInSeconds})
        return {...toTokenView(row), token}
      }, {detail: {name: body.name, scope}})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/tokens',
    action: 'token.list',
    roles: ANY_ROLE,
    query: z.object({all: z.enum(['true', 'false']).optional()}),
    handler: ({ctx, actor, query, tx}) => {
      const all = query.all === 'true'
      if (all && actor.role !== 'admin') throw forbidden('only an admin lists every user\'s tokens')
      return tx(() => sessions.listTokens(ctx.db, all ? undefined : actor.user.id).map(toTokenView))
    },
  }),

  defineRoute({
    method: 'DELETE',
    url: '/v1/tokens/:id',
    action: 'token.revoke',
    roles: ANY_ROLE,
    handler: ({ctx, actor, params, tx}) => {
      const token = sessions.findTokenById(ctx.db, params.id!)
      if (!token || (token.user_id !== actor.user.id && actor.role !== 'admin')) throw notFound(`token ${params.id}`)
      return tx(() => {
        sessions.revokeToken(ctx.db, token.id, ctx.now().toISOString())
        return toTokenView(sessions.findTokenById(ctx.db, token.id)!)
      }, {target: token.id})
    },
  }),
]
