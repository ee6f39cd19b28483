/**
 * Login (password + TOTP) with lockout, logout, whoami and MFA enrolment.
 *
 * A login's decision (lockout, account state, second factor) and what it stores (a failure, a lockout,
 * the session) run in one transaction with its audit record. Concurrent logins stay honest on either
 * backend: the store counts one name's failures one transaction at a time, and spends a TOTP step in one
 * conditional update, so two logins cannot both slip under the failure limit or both use one code.
 */
import * as OTPAuth from 'otpauth'

import type {SessionView, WhoAmI} from '../domain/auth.js'
import {accountDisabled, createSession, IDLE_TIMEOUT_MS, lockedByAdmin} from '../server/credentials.js'
import {badRequest, HttpError} from '../server/http-error.js'
import {openSecret, sealSecret, totpFor, totpStep} from '../server/mfa.js'
import {DUMMY_HASH, verifyPassword} from '../server/passwords.js'
import {toUserView, type UserRow} from '../store/users.js'
import type {Actor, ServiceContext} from './context.js'

/** CJIS AC-7: 5 failed logins within 15 minutes lock the name for 15 minutes. */
export const MAX_FAILURES = 5
export const FAILURE_WINDOW_MS = 15 * 60_000
export const LOCKOUT_MS = 15 * 60_000

const invalidCredentials = () => new HttpError(401, 'invalid_credentials', 'invalid username or password')

// Names the user as typed, never from the account: a known and an unknown name read the same.
const lockedOut = (name: string, until: string) =>
  new HttpError(403, 'account_locked', `too many failed logins for "${name}": try again after ${until}, or ask an admin to run \`rtcc user unlock ${name}\``)

const otpErrors = {
  otp_required: () => new HttpError(401, 'otp_required', 'this account uses a second factor: give the 6-digit code from your authenticator app'),
  otp_invalid: () => new HttpError(401, 'otp_invalid', 'invalid one-time code'),
  otp_reused: () => new HttpError(401, 'otp_invalid', 'this one-time code was already used: wait for the next code'),
}

/** Counts a failure against the name typed; returns the end of the lockout it starts, if it does. */
async function recordFailure(ctx: ServiceContext, name: string): Promise<string | undefined> {
  const now = ctx.now()
  const windowStart = new Date(now.getTime() - FAILURE_WINDOW_MS)
  await ctx.store.users.recordLoginFailure(name, now, windowStart)
  if ((await ctx.store.users.recentLoginFailures(name, windowStart)) < MAX_FAILURES) return undefined
  const until = new Date(now.getTime() + LOCKOUT_MS)
  await ctx.store.users.lockName(name, until)
  return until.toISOString()
}

/** Why the second factor refuses this login, if it does; a good code also returns its time step. */
function checkOtp(ctx: ServiceContext, user: UserRow, otp: string | undefined): {problem?: keyof typeof otpErrors; step?: number} {
  if (!user.mfa_secret) return {}
  if (!otp) return {problem: 'otp_required'}
  const step = totpStep(user.username, openSecret(ctx.secrets.mfaKey, user.id, user.mfa_secret), otp, ctx.now())
  if (step === undefined) return {problem: 'otp_invalid'}
  if (user.mfa_last_step !== null && step <= user.mfa_last_step) return {problem: 'otp_reused'}
  return {step}
}

export interface LoginInput {
  username: string
  password: string
  otp?: string
}

export async function login(ctx: ServiceContext, input: LoginInput): Promise<SessionView> {
  // Unknown names pay the same scrypt as known ones, so timing does not tell them apart.
  const hash = (await ctx.store.users.findUserByName(input.username))?.password_hash ?? DUMMY_HASH
  const passwordMatches = await verifyPassword(input.password, hash)
  // A refusal is recorded (with its reason) and thrown once its transaction has committed.
  let refusal: {reason: string; error: HttpError} | undefined
  const refuse = (reason: string, error: HttpError) => void (refusal = {reason, error})
  const session = await ctx.audited(
    async (): Promise<SessionView | undefined> => {
      const user = await ctx.store.users.findUserByName(input.username)
      const passwordOk = passwordMatches && user?.password_hash === hash
      ctx.note({subject: {id: user?.id ?? null, name: input.username, role: user?.role}, target: user?.id ?? `user:${input.username}`})
      const lockedUntil = await ctx.store.users.lockedUntil(input.username, ctx.now())
      if (lockedUntil) return refuse(`locked after failed logins until ${lockedUntil}`, lockedOut(input.username, lockedUntil))
      const otp = user && passwordOk ? checkOtp(ctx, user, input.otp) : {}
      if (!user || !passwordOk || otp.problem === 'otp_invalid' || otp.problem === 'otp_reused') {
        const reason = !user ? 'unknown user' : !passwordOk ? 'bad password' : otp.problem === 'otp_reused' ? 'one-time code reused' : 'bad one-time code'
        const until = await recordFailure(ctx, input.username)
        return refuse(reason, until ? lockedOut(input.username, until) : otp.problem ? otpErrors[otp.problem]() : invalidCredentials())
      }
      if (otp.problem) return refuse('one-time code required', otpErrors[otp.problem]())
      // An account's own state shows only to whoever knows its password (and code).
      if (user.disabled) return refuse('account disabled', accountDisabled(user.username))
      if (user.locked_at) return refuse('account locked by an admin', lockedByAdmin(user.username))
      // A concurrent login may have spent the same code since it was read (PostgreSQL): it counts as reused.
      if (otp.step !== undefined && !(await ctx.store.users.spendTotpStep(user.id, otp.step))) {
        const until = await recordFailure(ctx, input.username)
        return refuse('one-time code reused', until ? lockedOut(input.username, until) : otpErrors.otp_reused())
      }
      const mfaEnrollmentRequired = user.mfa_required === 1 && !user.mfa_secret
      await ctx.store.users.clearLoginFailures(input.username)
      const created = await createSession(ctx, user.id, mfaEnrollmentRequired ? 'mfa-enroll' : 'full')
      return {
        token: created.token,
        expiresAt: created.expiresAt,
        idleTimeoutSeconds: IDLE_TIMEOUT_MS / 1000,
        user: toUserView(user, ctx.now()),
        mfaEnrollmentRequired,
      }
    },
    () => (refusal ? {outcome: 'denied', detail: {reason: refusal.reason}} : {}),
  )
  if (refusal) throw refusal.error
  return session!
}

export async function logout(ctx: ServiceContext, actor: Actor): Promise<{loggedOut: true}> {
  if (actor.via !== 'session') throw badRequest('an API token cannot log out: revoke it with `rtcc token revoke`')
  return ctx.audited(
    async () => {
      await ctx.store.sessions.endSession(actor.credentialId, ctx.now().toISOString())
      return {loggedOut: true as const}
    },
    {target: actor.credentialId},
  )
}

export function whoami(ctx: ServiceContext, actor: Actor): Promise<WhoAmI> {
  return ctx.audited(() => ({user: toUserView(actor.user, ctx.now()), via: actor.via, role: actor.role, tokenName: actor.tokenName, expiresAt: actor.expiresAt}))
}

/** Starts TOTP enrolment: a new secret, kept sealed as pending until a code from it is confirmed. */
export async function enrollMfa(ctx: ServiceContext, actor: Actor): Promise<{secret: string; uri: string}> {
  if (actor.via !== 'session') throw badRequest('enrol a second factor from a login session, not an API token')
  const secret = new OTPAuth.Secret({size: 20}).base32
  return ctx.audited(
    async () => {
      await ctx.store.users.updateUser(actor.user.id, {mfa_pending_secret: sealSecret(ctx.secrets.mfaKey, actor.user.id, secret)})
      return {secret, uri: totpFor(actor.user.username, secret).toString()}
    },
    {target: actor.user.id},
  )
}

/** Confirms enrolment with a code from the pending secret, which becomes the account's second factor. */
export async function confirmMfa(ctx: ServiceContext, actor: Actor, input: {otp: string}): Promise<{mfaEnabled: true}> {
  const pending = (await ctx.store.users.findUserById(actor.user.id))?.mfa_pending_secret
  if (!pending) throw badRequest('no enrolment in progress: run `rtcc user mfa enroll` first')
  const step = totpStep(actor.user.username, openSecret(ctx.secrets.mfaKey, actor.user.id, pending), input.otp, ctx.now())
  if (step === undefined) throw new HttpError(400, 'otp_invalid', 'that code does not match: check the clock of the device and try the next code', 'otp')
  return ctx.audited(
    async () => {
      // The confirming code is spent too: it cannot be replayed to log in.
      await ctx.store.users.updateUser(actor.user.id, {mfa_secret: pending, mfa_pending_secret: null, mfa_last_step: step})
      if (actor.via === 'session') await ctx.store.sessions.setSessionScope(actor.credentialId, 'full')
      return {mfaEnabled: true as const}
    },
    {target: actor.user.id},
  )
}
