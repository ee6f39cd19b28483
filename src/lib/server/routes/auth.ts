/** Login (password + TOTP), lockout, logout, whoami and MFA enrolment. */
import * as OTPAuth from 'otpauth'

import {LoginBody, OtpBody, type SessionView, type WhoAmI} from '../../domain/auth.js'
import {ANY_ROLE} from '../../domain/roles.js'
import {endSession, setSessionScope} from '../../store/sessions.js'
import * as users from '../../store/users.js'
import {createSession, IDLE_TIMEOUT_MS} from '../credentials.js'
import {badRequest, HttpError} from '../http-error.js'
import {DUMMY_HASH, verifyPassword} from '../passwords.js'
import {defineRoute} from '../route.js'

export const MAX_FAILURES = 5
export const FAILURE_WINDOW_MS = 15 * 60_000

export function totpFor(username: string, secretBase32: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({issuer: 'rtcc', label: username, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secretBase32)})
}

const otpValid = (username: string, secret: string, otp: string) => totpFor(username, secret).validate({token: otp, window: 1}) !== null

const invalidCredentials = () => new HttpError(401, 'invalid_credentials', 'invalid username or password')

export const authRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/auth/login',
    action: 'auth.login',
    roles: 'public',
    rateLimit: {max: 30, windowSeconds: 60},
    body: LoginBody,
    handler: async ({ctx, body, req, tx}): Promise<SessionView> => {
      const user = users.findUserByName(ctx.db, body.username)
      const passwordOk = await verifyPassword(body.password, user?.password_hash ?? DUMMY_HASH)
      req.rtcc.subject = {id: user?.id ?? null, name: body.username, role: user?.role}
      req.rtcc.target = user?.id ?? `user:${body.username}`
      if (!user) {
        tx(() => undefined, {outcome: 'denied', detail: {reason: 'unknown user'}})
        throw invalidCredentials()
      }
      if (user.locked_at) {
        tx(() => undefined, {outcome: 'denied', detail: {reason: 'account locked'}})
        throw new HttpError(403, 'account_locked', `account "${user.username}" is locked after repeated failed logins: an admin can run \`rtcc user unlock ${user.username}\``)
      }
      const otpProblem = !passwordOk ? undefined : user.mfa_secret && !body.otp ? 'otp_required' : user.mfa_secret && !otpValid(user.username, user.mfa_secret, body.otp!) ? 'otp_invalid' : undefined
      if (!passwordOk || otpProblem === 'otp_invalid') {
        const locked = tx(
          () => {
            const now = ctx.now()
            users.recordLoginFailure(ctx.db, user.id, now)
            const failures = users.recentLoginFailures(ctx.db, user.id, new Date(now.getTime() - FAILURE_WINDOW_MS))
            if (failures >= MAX_FAILURES) users.updateUser(ctx.db, user.id, {locked_at: now.toISOString()})
            return failures >= MAX_FAILURES
          },
          {outcome: 'denied', detail: {reason: passwordOk ? 'bad one-time code' : 'bad password'}},
        )
        if (locked) throw new HttpError(403, 'account_locked', `too many failed logins: account "${user.username}" is now locked until an admin runs \`rtcc user unlock ${user.username}\``)
        throw otpProblem ? new HttpError(401, 'otp_invalid', 'invalid one-time code') : invalidCredentials()
      }
      if (otpProblem === 'otp_required') {
        tx(() => undefined, {outcome: 'denied', detail: {reason: 'one-time code required'}})
        throw new HttpError(401, 'otp_required', 'this account uses a second factor: give the 6-digit code from your authenticator app')
      }
      if (user.disabled) {
        tx(() => undefined, {outcome: 'denied', detail: {reason: 'account disabled'}})
        throw new HttpError(403, 'account_disabled', `account "${user.username}" is disabled`)
      }
      const mfaEnrollmentRequired = user.mfa_required === 1 && !user.mfa_secret
      return tx(() => {
        users.clearLoginFailures(ctx.db, user.id)
        const session = createSession(ctx, user.id, mfaEnrollmentRequired ? 'mfa-enroll' : 'full')
        return {
          token: session.token,
          expiresAt: session.expiresAt,
          idleTimeoutSeconds: IDLE_TIMEOUT_MS / 1000,
          user: users.toUserView(user),
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
    handler: ({actor, tx}): WhoAmI =>
      tx(() => ({user: users.toUserView(actor.user), via: actor.via, role: actor.role, tokenName: actor.tokenName, expiresAt: actor.expiresAt})),
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
        users.updateUser(ctx.db, actor.user.id, {mfa_pending_secret: secret})
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
      if (!otpValid(actor.user.username, pending, body.otp)) throw new HttpError(400, 'otp_invalid', 'that code does not match: check the clock of the device and try the next code', 'otp')
      return tx(() => {
        users.updateUser(ctx.db, actor.user.id, {mfa_secret: pending, mfa_pending_secret: null})
        if (actor.via === 'session') setSessionScope(ctx.db, actor.credentialId, 'full')
        return {mfaEnabled: true}
      }, {target: actor.user.id})
    },
  }),
]
