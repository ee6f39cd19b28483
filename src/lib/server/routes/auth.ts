/** Login (password + TOTP), lockout, logout, whoami and MFA enrolment: HTTP over services/auth. */
import {LoginBody, OtpBody} from '../../domain/auth.js'
import {ANY_ROLE} from '../../domain/roles.js'
import * as auth from '../../services/auth.js'
import {defineRoute} from '../route.js'

export const authRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/auth/login',
    action: 'auth.login',
    roles: 'public',
    rateLimit: {max: 30, windowSeconds: 60},
    body: LoginBody,
    handler: ({ctx, body}) => auth.login(ctx, body),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/auth/logout',
    action: 'auth.logout',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    handler: ({ctx, actor}) => auth.logout(ctx, actor),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/auth/whoami',
    action: 'auth.whoami',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    handler: ({ctx, actor}) => auth.whoami(ctx, actor),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/auth/mfa/enroll',
    action: 'auth.mfa.enroll',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    handler: ({ctx, actor}) => auth.enrollMfa(ctx, actor),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/auth/mfa/confirm',
    action: 'auth.mfa.confirm',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    body: OtpBody,
    handler: ({ctx, actor, body}) => auth.confirmMfa(ctx, actor, body),
  }),
]
