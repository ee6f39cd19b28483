/** Account administration (admin only): add, list, disable/enable, set role, unlock, require MFA. */
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
  const problem = passwordProblem(body.password, body.username)
  if (problem) throw badRequest(problem, 'password')
  if (users.findUserByName(ctx.db, body.username)) throw conflict(`user "${body.username}" already exists`, 'username')
  const agency = agencyId(ctx, body.agency, body.role)
  const passwordHash = await hashPassword(body.password)
  return () => users.insertUser(ctx.db, {username: body.username, role: body.role, passwordHash, displayName: body.displayName, agencyId: agency})
}

export const userRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/users',
    action: 'user.list',
    roles: ADMINS,
    handler: ({ctx, tx}): UserView[] => tx(() => users.listUsers(ctx.db).map(users.toUserView)),
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

  defineRoute({
    method: 'POST',
    url: '/v1/users/:username/disable',
    action: 'user.disable',
    roles: ADMINS,
    handler: ({ctx, params, tx}) => {
      const user = userByName(ctx, params.username!)
      keepAnAdmin(ctx, user)
      return tx(() => {
        users.updateUser(ctx.db, user.id, {disabled: 1})
        endUserSessions(ctx.db, user.id, ctx.now().toISOString())
        return users.toUserView(users.findUserById(ctx.db, user.id)!)
      }, {target: user.id})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/users/:username/enable',
    action: 'user.enable',
    roles: ADMINS,
    handler: ({ctx, params, tx}) => {
      const user = userByName(ctx, params.username!)
      return tx(() => {
        users.updateUser(ctx.db, user.id, {disabled: 0})
        return users.toUserView(users.findUserById(ctx.db, user.id)!)
      }, {target: user.id})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/users/:username/role',
    action: 'user.set_role',
    roles: ADMINS,
    body: SetRoleBody,
    handler: ({ctx, params, body, tx}) => {
      const user = userByName(ctx, params.username!)
      if (body.role !== 'admin') keepAnAdmin(ctx, user)
      if ((user.role === 'owner') !== (body.role === 'owner')) throw badRequest('owners and agency users are separate kinds of account; create a new account instead', 'role')
      return tx(() => {
        users.updateUser(ctx.db, user.id, {role: body.role})
        endUserSessions(ctx.db, user.id, ctx.now().toISOString())
        return users.toUserView(users.findUserById(ctx.db, user.id)!)
      }, {target: user.id, detail: {from: user.role, to: body.role}})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/users/:username/agency',
    action: 'user.set_agency',
    roles: ADMINS,
    body: SetAgencyBody,
    handler: ({ctx, params, body, tx}) => {
      const user = userByName(ctx, params.username!)
      const agency = agencyId(ctx, body.agency, user.role)
      return tx(() => {
        users.updateUser(ctx.db, user.id, {agency_id: agency})
        return users.toUserView(users.findUserById(ctx.db, user.id)!)
      }, {target: user.id, detail: {agency}})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/users/:username/unlock',
    action: 'user.unlock',
    roles: ADMINS,
    handler: ({ctx, params, tx}) => {
      const user = userByName(ctx, params.username!)
      return tx(() => {
        users.updateUser(ctx.db, user.id, {locked_at: null})
        users.clearLoginFailures(ctx.db, user.id)
        return users.toUserView(users.findUserById(ctx.db, user.id)!)
      }, {target: user.id})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/users/:username/mfa',
    action: 'user.mfa.require',
    roles: ADMINS,
    body: RequireMfaBody,
    handler: ({ctx, params, body, tx}) => {
      const user = userByName(ctx, params.username!)
      if (user.role === 'owner') throw badRequest('MFA enforcement applies to agency accounts', 'username')
      return tx(() => {
        users.updateUser(ctx.db, user.id, {mfa_required: body.required ? 1 : 0})
        return users.toUserView(users.findUserById(ctx.db, user.id)!)
      }, {target: user.id, detail: {required: body.required}})
    },
  }),

  defineRoute({
    method: 'DELETE',
    url: '/v1/users/:username/mfa',
    action: 'user.mfa.reset',
    roles: ADMINS,
    handler: ({ctx, params, tx}) => {
      const user = userByName(ctx, params.username!)
      return tx(() => {
        users.updateUser(ctx.db, user.id, {mfa_secret: null, mfa_pending_secret: null})
        endUserSessions(ctx.db, user.id, ctx.now().toISOString())
        return users.toUserView(users.findUserById(ctx.db, user.id)!)
      }, {target: user.id})
    },
  }),
]
