/** Account administration (admin only): add, list, disable/enable, set role, lock/unlock, require MFA. */
import type {z} from 'zod'

import {CreateUserBody, RequireMfaBody, SetAgencyBody, SetRoleBody, type UserView} from '../../domain/auth.js'
import {ADMINS} from '../../domain/roles.js'
import {getAgency} from '../../store/agencies.js'
import {endUserSessions} from '../../store/sessions.js'
import * as users from '../../store/users.js'
import type {ServerContext} from '../context.js'
import {badRequest, conflict, notFound} from '../http-error.js'
import {hashPassword, passwordProblem} from '../passwords.js'
import {defineRoute} from '../route.js'

function userByName(ctx: ServerContext, username: string): users.UserRow {
  const user = users.findUserByName(ctx.db, username)
  if (!user) throw notFound(`user "${username}"`)
  return user
}

/** Refuse changes that would leave the server without an active admin. */
function keepAnAdmin(ctx: ServerContext, user: users.UserRow): void {
  const activeAdmins = users.listUsers(ctx.db, {role: 'admin'}).filter((u) => !u.disabled && !u.locked_at)
  if (user.role === 'admin' && activeAdmins.length <= 1 && activeAdmins[0]?.id === user.id)
    throw conflict(`"${user.username}" is the last active admin; add another admin first`)
}

function agencyId(ctx: ServerContext, agency: string | null | undefined, role: string): string | null {
  if (!agency) return null
  if (role === 'owner') throw badRequest('owners do not belong to an agency', 'agency')
  const found = getAgency(ctx.db, agency)
  if (!found) throw badRequest(`no agency "${agency}": see \`rtcc agency list\``, 'agency')
  return found.id
}

/** Validates and hashes first (async), then returns the insert to run inside the audited transaction. */
export async function newUser(ctx: ServerContext, body: z.infer<typeof CreateUserBody>): Promise<() => users.UserRow> {
  const problem = await passwordProblem(body.password, body)
  if (problem) throw badRequest(problem, 'password')
  if (users.findUserByName(ctx.db, body.username)) throw conflict(`user "${body.username}" already exists`, 'username')
  const agency = agencyId(ctx, body.agency, body.role)
  const passwordHash = await hashPassword(body.password)
  return () => users.insertUser(ctx.db, {username: body.username, role: body.role, passwordHash, displayName: body.displayName, agencyId: agency})
}

/**
 * An admin change to one account: checks first (may throw), then the patch (and anything it does),
 * the optional end of the account's sessions and the audit record, in one transaction.
 */
function accountChange<B extends z.ZodType = z.ZodUnknown>(def: {
  method?: 'POST' | 'DELETE'
  path: string
  action: string
  body?: B
  check?: (ctx: ServerContext, user: users.UserRow, body: z.infer<B>) => void
  patch: (ctx: ServerContext, user: users.UserRow, body: z.infer<B>) => Parameters<typeof users.updateUser>[2]
  endSessions?: boolean
  detail?: (user: users.UserRow, body: z.infer<B>) => Record<string, unknown>
}) {
  return defineRoute({
    method: def.method ?? 'POST',
    url: `/v1/users/:username/${def.path}`,
    action: def.action,
    roles: ADMINS,
    body: def.body,
    handler: ({ctx, params, body, tx}) => {
      const user = userByName(ctx, params.username!)
      def.check?.(ctx, user, body as z.infer<B>)
      return tx(() => {
        users.updateUser(ctx.db, user.id, def.patch(ctx, user, body as z.infer<B>))
        if (def.endSessions) endUserSessions(ctx.db, user.id, ctx.now().toISOString())
        return users.toUserView(users.findUserById(ctx.db, user.id)!, ctx.now())
      }, {target: user.id, detail: def.detail?.(user, body as z.infer<B>)})
    },
  })
}

export const userRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/users',
    action: 'user.list',
    roles: ADMINS,
    handler: ({ctx, tx}): UserView[] => tx(() => users.listUsers(ctx.db).map((u) => users.toUserView(u, ctx.now()))),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/users',
    action: 'user.create',
    roles: ADMINS,
    body: CreateUserBody,
    handler: async ({ctx, body, tx, reply}) => {
      const insert = await newUser(ctx, body)
      const user = tx(() => users.toUserView(insert()), {target: `user:${body.username}`, detail: {role: body.role}})
      reply.code(201)
      return user
    },
  }),

  accountChange({path: 'disable', action: 'user.disable', check: keepAnAdmin, patch: () => ({disabled: 1}), endSessions: true}),
  accountChange({path: 'enable', action: 'user.enable', patch: () => ({disabled: 0})}),
  accountChange({
    path: 'role',
    action: 'user.set_role',
    body: SetRoleBody,
    check: (ctx, user, body) => {
      if (body.role !== 'admin') keepAnAdmin(ctx, user)
      if ((user.role === 'owner') !== (body.role === 'owner')) throw badRequest('owners and agency users are separate kinds of account; create a new account instead', 'role')
    },
    patch: (_ctx, _user, body) => ({role: body.role}),
    endSessions: true,
    detail: (user, body) => ({from: user.role, to: body.role}),
  }),
  accountChange({
    path: 'agency',
    action: 'user.set_agency',
    body: SetAgencyBody,
    patch: (ctx, user, body) => ({agency_id: agencyId(ctx, body.agency, user.role)}),
    detail: (_user, body) => ({agency: body.agency}),
  }),
  // An admin's lock lasts until unlocked (a lockout after failed logins ends by itself).
  accountChange({path: 'lock', action: 'user.lock', check: keepAnAdmin, patch: (ctx) => ({locked_at: ctx.now().toISOString()}), endSessions: true}),
  accountChange({
    path: 'unlock',
    action: 'user.unlock',
    patch: (ctx, user) => {
      users.clearLockout(ctx.db, user.username)
      return {locked_at: null}
    },
    detail: (user) => ({lockedByAdmin: user.locked_at !== null, lockedOutUntil: user.locked_until}),
  }),
  accountChange({
    path: 'mfa',
    action: 'user.mfa.require',
    body: RequireMfaBody,
    check: (_ctx, user) => {
      if (user.role === 'owner') throw badRequest('MFA enforcement applies to agency accounts', 'username')
    },
    patch: (_ctx, _user, body) => ({mfa_required: body.required ? 1 : 0}),
    detail: (_user, body) => ({required: body.required}),
  }),
  accountChange({method: 'DELETE', path: 'mfa', action: 'user.mfa.reset', patch: () => ({mfa_secret: null, mfa_pending_secret: null, mfa_last_step: null}), endSessions: true}),
]
