/** Scoped API tokens for scripts: created from a login session, shown once, revocable. */
import type {TokenView} from '../domain/auth.js'
import {grantableScopes, type Role} from '../domain/roles.js'
import {createApiToken} from '../server/credentials.js'
import {forbidden, notFound} from '../server/http-error.js'
import type {TokenRow} from '../store/sessions.js'
import type {Actor, ServiceContext} from './context.js'

const toTokenView = (row: TokenRow): TokenView => ({
  id: row.id,
  name: row.name,
  roleScope: row.role_scope,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revoked: row.revoked_at !== null,
})

export async function createToken(
  ctx: ServiceContext,
  actor: Actor,
  input: {name: string; roleScope?: Role; expiresInSeconds: number},
): Promise<TokenView & {token: string}> {
  if (actor.via !== 'session') throw forbidden('API tokens are created from a login session, not from another token')
  const scope = input.roleScope ?? actor.user.role
  const allowed = grantableScopes(actor.user.role)
  if (!allowed.includes(scope)) throw forbidden(`a ${actor.user.role} cannot make a token above their own role; they can scope tokens to: ${allowed.join(', ')}`)
  return ctx.audited(
    async () => {
      const {token, row} = await createApiToken(ctx, {userId: actor.user.id, name: input.name, roleScope: scope, expiresInSeconds: input.expiresInSeconds})
      return {...toTokenView(row), token}
    },
    {detail: {name: input.name, scope}},
  )
}

/** The caller's tokens, or (admin, `all`) everyone's. */
export async function listTokens(ctx: ServiceContext, actor: Actor, input: {all: boolean}): Promise<TokenView[]> {
  if (input.all && actor.role !== 'admin') throw forbidden('only an admin lists every user\'s tokens')
  return ctx.audited(async () => (await ctx.store.sessions.listTokens(input.all ? undefined : actor.user.id)).map(toTokenView))
}

/** Revokes one of the caller's tokens (an admin: anyone's); someone else's reads as not found. */
export async function revokeToken(ctx: ServiceContext, actor: Actor, input: {id: string}): Promise<TokenView> {
  const token = await ctx.store.sessions.findTokenById(input.id)
  if (!token || (token.user_id !== actor.user.id && actor.role !== 'admin')) throw notFound(`token ${input.id}`)
  return ctx.audited(
    async () => {
      await ctx.store.sessions.revokeToken(token.id, ctx.now().toISOString())
      return toTokenView((await ctx.store.sessions.findTokenById(token.id))!)
    },
    {target: token.id},
  )
}
