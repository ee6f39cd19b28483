/** Login (password + TOTP), lockout, logout, whoami and MFA enrolment. */
import * as OTPAuth from 'otpauth'

import {LoginBody, OtpBody, type SessionView, type WhoAmI} from '../../domain/auth.js'
import {ANY_ROLE} from '../../domain/roles.js'
import {endSession, setSessionScope} from '../../store/sessions.js'
import * as users from '../../store/users.js'
import type {ServerContext} from '../context.js'
import {accountDisabled, createSession, IDLE_TIMEOUT_MS, lockedByAdmin} from '../credentials.js'
import {badRequest, HttpError} from '../http-error.js'
import {openSecret, sealSecret, totpFor, totpStep} from '../mfa.js'
import {DUMMY_HASH, verifyPassword} from '../passwords.js'
import {defineRoute} from '../route.js'

/** CJIS AC-7: 5 failed logins within 15 minutes lock the name for 15 minutes. */
export const MAX_FAILURES = 5
export const FAILURE_WINDOW_MS = 15 * 60_000
export const LOCKOUT_MS = 15 * 60_000

const invalidCredentials = () => new HttpError(401, 'invalid_credentials', 'invalid username or password')

// Names the user as typed, never from the account: a known and an unknown name read the same.
const lockedOut = (name: string, until: string) =>
  new HttpError(403, 'account_locked', `too many failed logins for "${name}": try again after ${until}, or ask an admin to run \`rtcc user unlock ${name}\``)

/** Counts a failure against the name typed; returns the end of the lockout it starts, if it does. */
function recordFailure(ctx: ServerContext, name: string): string | undefined {
  const now = ctx.now()
  const windowStart = new Date(now.getTime() - FAILURE_WINDOW_MS)
  users.recordLoginFailure(ctx.db, name, now, windowStart)
  if (users.recentLoginFailures(ctx.db, name, windowStart) < MAX_FAILURES) return undefined
  const until = new Date(now.getTime() + LOCKOUT_MS)
  users.lockName(ctx.db, name, until)
  return until.toISOString()
}

/** Why the second factor refuses this login, if it does; a good code also returns its time step. */
function checkOtp(ctx: ServerContext, user: users.UserRow, otp: string | undefined): {problem?: 'otp_required' | 'otp_invalid' | 'otp_reused'; step?: number} {
  if (!user.mfa_secret) return {}
  if (!otp) return {problem: 'otp_required'}
  const step = totpStep(user.username, openSecret(ctx.secrets.mfaKey, user.id, user.mfa_secret), otp, ctx.now())
  if (step === undefined) return {problem: 'otp_invalid'}
  if (user.mfa_last_step !== null && step <= user.mfa_last_step) return {problem: 'otp_reused'}
  return {step}
}

const otpErrors = {
  otp_required: () => new HttpError(401, 'otp_required', 'this account uses a second factor: give the 6-digit code from your authenticator app'),
  otp_invalid: () => new HttpError(401, 'otp_invalid', 'invalid one-time code'),
  otp_reused: () => new HttpError(401, 'otp_invalid', 'this one-time code was already used: wait for the next code'),
}

export const authRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/auth/login',
    action: 'auth.login',
    roles: 'public',
    rateLimit: {max: 30, windowSeconds: 60},
    body: LoginBody,
    handler: async ({ctx, body, req, tx}): Promise<SessionView> => {
      // Unknown names pay the same scrypt as known ones, so timing does not tell them apart.
      const hash = users.findUserByName(ctx.db, body.username)?.password_hash ?? DUMMY_HASH
      const passwordMatches = await verifyPassword(body.password, hash)
      // From here on the handler is synchronous: no other login interleaves with these reads and writes.
      const user = users.findUserByName(ctx.db, body.username)
      const passwordOk = passwordMatches && user?.password_hash === hash
      req.rtcc.subject = {id: user?.id ?? null, name: body.username, role: user?.role}
      req.rtcc.target = user?.id ?? `user:${body.username}`
      const deny = (reason: string) => tx(() => undefined, {outcome: 'denied', detail: {reason}})
      const lockedUntil = users.lockedUntil(ctx.db, body.username, ctx.now())
      if (lockedUntil) {
        deny(`locked after failed logins until ${lockedUntil}`)
        throw lockedOut(body.username, lockedUntil)
      }
      const otp = user && passwordOk ? checkOtp(ctx, user, body.otp) : {}
      if (!user || !passwordOk || otp.problem === 'otp_invalid' || otp.problem === 'otp_reused') {
        const reason = !user ? 'unknown user' : !passwordOk ? 'bad password' : otp.problem === 'otp_reused' ? 'one-time code reused' : 'bad one-time code'
        const until = tx(() => recordFailure(ctx, body.username), {outcome: 'denied', detail: {reason}})
        if (until) throw lockedOut(body.username, until)
        throw otp.problem ? otpErrors[otp.problem]() : invalidCredentials()
      }
      if (otp.problem) {
        deny('one-time code required')
        throw otpErrors[otp.problem]()
      }
      // An account's own state shows only to whoever knows its password (and code).
      if (user.disabled) {
        deny('account disabled')
        throw accountDisabled(user.username)
      }
      if (user.locked_at) {
        deny('account locked by an admin')
        throw lockedByAdmin(user.username)
      }
      const mfaEnrollmentRequired = user.mfa_required === 1 && !user.mfa_secret
      return tx(() => {
        users.clearLoginFailures(ctx.db, body.username)
        if (otp.step !== undefined) users.updateUser(ctx.db, user.id, {mfa_last_step: otp.step})
        const session = createSession(ctx, user.id, mfaEnrollmentRequired ? 'mfa-enroll' : 'full')
        return {
          token: session.token,
          expiresAt: session.expiresAt,
          idleTimeoutSeconds: IDLE_TIMEOUT_MS / 1000,
          user: users.toUserView(user, ctx.now()),
          mfaEnrollmentRequired,
        }
      })
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/auth/logout',
    action: 'auth.logout',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    handler: ({ctx, actor, tx}) => {
      if (actor.via !== 'session') throw badRequest('an API token cannot log out: revoke it with `rtcc token revoke`')
      return tx(() => {
        endSession(ctx.db, actor.credentialId, ctx.now().toISOString())
        return {loggedOut: true}
      }, {target: actor.credentialId})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/auth/whoami',
    action: 'auth.whoami',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    handler: ({ctx, actor, tx}): WhoAmI =>
      tx(() => ({user: users.toUserView(actor.user, ctx.now()), via: actor.via, role: actor.role, tokenName: actor.tokenName, expiresAt: actor.expiresAt})),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/auth/mfa/enroll',
    action: 'auth.mfa.enroll',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    handler: ({ctx, actor, tx}) => {
      if (actor.via !== 'session') throw badRequest('enrol a second factor from a login session, not an API token')
      const secret = new OTPAuth.Secret({size: 20}).base32
      return tx(() => {
        users.updateUser(ctx.db, actor.user.id, {mfa_pending_secret: sealSecret(ctx.secrets.mfaKey, actor.user.id, secret)})
        return {secret, uri: totpFor(actor.user.username, secret).toString()}
      }, {target: actor.user.id})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/auth/mfa/confirm',
    action: 'auth.mfa.confirm',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    body: OtpBody,
    handler: ({ctx, actor, body, tx}) => {
      const pending = users.findUserById(ctx.db, actor.user.id)?.mfa_pending_secret
      if (!pending) throw badRequest('no enrolment in progress: run `rtcc user mfa enroll` first')
      const step = totpStep(actor.user.username, openSecret(ctx.secrets.mfaKey, actor.user.id, pending), body.otp, ctx.now())
      if (step === undefined) throw new HttpError(400, 'otp_invalid', 'that code does not match: check the clock of the device and try the next code', 'otp')
      return tx(() => {
        // The confirming code is spent too: it cannot be replayed to log in.
        users.updateUser(ctx.db, actor.user.id, {mfa_secret: pending, mfa_pending_secret: null, mfa_last_step: step})
        if (actor.via === 'session') setSessionScope(ctx.db, actor.credentialId, 'full')
        return {mfaEnabled: true}
      }, {target: actor.user.id})
    },
  }),
]
