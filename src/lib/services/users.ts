/** Account administration (admin only): add, list, disable/enable, set role or agency, lock/unlock, require or reset MFA. */
import type {UserView} from '../domain/auth.js'
import type {Role} from '../domain/roles.js'
import {badRequest, conflict, notFound} from '../server/http-error.js'
import {hashPassword, passwordProblem} from '../server/passwords.js'
import {toUserView, type UserPatch, type UserRow} from '../store/users.js'
import type {Actor, AuditFacts, ServiceContext} from './context.js'

async function userByName(ctx: ServiceContext, username: string): Promise<UserRow> {
  const user = await ctx.store.users.findUserByName(username)
  if (!user) throw notFound(`user "${username}"`)
  return user
}

/** Refuse changes that would leave the server without an active admin. */
async function keepAnAdmin(ctx: ServiceContext, user: UserRow): Promise<void> {
  const activeAdmins = (await ctx.store.users.listUsers({role: 'admin'})).filter((u) => !u.disabled && !u.locked_at)
  if (user.role === 'admin' && activeAdmins.length <= 1 && activeAdmins[0]?.id === user.id)
    throw conflict(`"${user.username}" is the last active admin; add another admin first`)
}

async function agencyId(ctx: ServiceContext, agency: string | null | undefined, role: string): Promise<string | null> {
  if (!agency) return null
  if (role === 'owner') throw badRequest('owners do not belong to an agency', 'agency')
  const found = await ctx.store.agencies.getAgency(agency)
  if (!found) throw badRequest(`no agency "${agency}": see \`rtcc agency list\``, 'agency')
  return found.id
}

export function listUsers(ctx: ServiceContext, _actor: Actor): Promise<UserView[]> {
  return ctx.audited(async () => (await ctx.store.users.listUsers()).map((u) => toUserView(u, ctx.now())))
}

export interface CreateUserInput {
  username: string
  password: string
  role: Role
  displayName?: string
  /** Agency name or id (agency roles only). */
  agency?: string
}

export async function createUser(ctx: ServiceContext, _actor: Actor, input: CreateUserInput): Promise<UserView> {
  const problem = await passwordProblem(input.password, input)
  if (problem) throw badRequest(problem, 'password')
  const taken = () => conflict(`user "${input.username}" already exists`, 'username')
  if (await ctx.store.users.findUserByName(input.username)) throw taken()
  const agency = await agencyId(ctx, input.agency, input.role)
  // Hashing is slow: done before the transaction, which checks the name again.
  const passwordHash = await hashPassword(input.password)
  return ctx.audited(
    async () => {
      if (await ctx.store.users.findUserByName(input.username)) throw taken()
      return toUserView(await ctx.store.users.insertUser({username: input.username, role: input.role, passwordHash, displayName: input.displayName, agencyId: agency}))
    },
    {target: `user:${input.username}`, detail: {role: input.role}},
  )
}

/**
 * An admin change to one account: checks first (may throw), then the patch (and anything it does), the
 * optional end of the account's sessions and the audit record, in one transaction.
 */
async function changeAccount(
  ctx: ServiceContext,
  username: string,
  change: {
    check?: (user: UserRow) => Promise<void> | void
    patch: (user: UserRow) => Promise<UserPatch> | UserPatch
    endSessions?: boolean
    detail?: (user: UserRow) => AuditFacts['detail']
  },
): Promise<UserView> {
  const user = await userByName(ctx, username)
  await change.check?.(user)
  return ctx.audited(
    async () => {
      await ctx.store.users.updateUser(user.id, await change.patch(user))
      if (change.endSessions) await ctx.store.sessions.endUserSessions(user.id, ctx.now().toISOString())
      return toUserView((await ctx.store.users.findUserById(user.id))!, ctx.now())
    },
    {target: user.id, detail: change.detail?.(user)},
  )
}

export const disableUser = (ctx: ServiceContext, _actor: Actor, input: {username: string}) =>
  changeAccount(ctx, input.username, {check: (user) => keepAnAdmin(ctx, user), patch: () => ({disabled: 1}), endSessions: true})

export const enableUser = (ctx: ServiceContext, _actor: Actor, input: {username: string}) => changeAccount(ctx, input.username, {patch: () => ({disabled: 0})})

export const setRole = (ctx: ServiceContext, _actor: Actor, input: {username: string; role: Role}) =>
  changeAccount(ctx, input.username, {
    check: async (user) => {
      if (input.role !== 'admin') await keepAnAdmin(ctx, user)
      if ((user.role === 'owner') !== (input.role === 'owner')) throw badRequest('owners and agency users are separate kinds of account; create a new account instead', 'role')
    },
    patch: () => ({role: input.role}),
    endSessions: true,
    detail: (user) => ({from: user.role, to: input.role}),
  })

export const setAgency = (ctx: ServiceContext, _actor: Actor, input: {username: string; agency: string | null}) =>
  changeAccount(ctx, input.username, {
    patch: async (user) => ({agency_id: await agencyId(ctx, input.agency, user.role)}),
    detail: () => ({agency: input.agency}),
  })

/** An admin's lock lasts until unlocked (a lockout after failed logins ends by itself). */
export const lockUser = (ctx: ServiceContext, _actor: Actor, input: {username: string}) =>
  changeAccount(ctx, input.username, {check: (user) => keepAnAdmin(ctx, user), patch: () => ({locked_at: ctx.now().toISOString()}), endSessions: true})

/** Lifts an admin's lock and any lockout after failed logins. */
export const unlockUser = (ctx: ServiceContext, _actor: Actor, input: {username: string}) =>
  changeAccount(ctx, input.username, {
    patch: async (user) => {
      await ctx.store.users.clearLockout(user.username)
      return {locked_at: null}
    },
    detail: (user) => ({lockedByAdmin: user.locked_at !== null, lockedOutUntil: user.locked_until}),
  })

export const requireMfa = (ctx: ServiceContext, _actor: Actor, input: {username: string; required: boolean}) =>
  changeAccount(ctx, input.username, {
    check: (user) => {
      if (user.role === 'owner') throw badRequest('MFA enforcement applies to agency accounts', 'username')
    },
    patch: () => ({mfa_required: input.required ? 1 : 0}),
    detail: () => ({required: input.required}),
  })

export const resetMfa = (ctx: ServiceContext, _actor: Actor, input: {username: string}) =>
  changeAccount(ctx, input.username, {patch: () => ({mfa_secret: null, mfa_pending_secret: null, mfa_last_step: null}), endSessions: true})
