/**
 * The owner's pages and their browser session: login and logout set and clear the session cookie
 * (services/auth, the CLI's own login: same lockout, second factor, idle and absolute limits);
 * `GET /web/session` tells a page who is logged in and the CSRF token its state changes must carry.
 * Everything else the pages do goes through the JSON API with the cookie (server/web/session.ts).
 */
import {LoginBody} from '../../domain/auth.js'
import {ANY_ROLE} from '../../domain/roles.js'
import * as auth from '../../services/auth.js'
import {DEVICE_PAGE} from '../../services/devices.js'
import {defineRoute} from '../route.js'
import {definePage} from '../web/index.js'
import {checkPageLogin, clearSessionCookie, csrfFor, sessionCookie, setSessionCookie} from '../web/session.js'

export const webOwnerRoutes = [
  definePage({url: '/owner', file: 'owner/index.html', action: 'web.owner'}),
  definePage({url: '/owner/login', file: 'owner/login.html', action: 'web.owner.login'}),
  definePage({url: '/owner/signup', file: 'owner/signup.html', action: 'web.owner.signup'}),
  definePage({url: DEVICE_PAGE, file: 'owner/device.html', action: 'web.owner.device'}),

  defineRoute({
    method: 'POST',
    url: '/web/session/login',
    action: 'auth.login',
    roles: 'public',
    rateLimit: {max: 30, windowSeconds: 60},
    body: LoginBody,
    handler: async ({ctx, body, req, reply}) => {
      checkPageLogin(req)
      const {token, ...session} = await auth.login(ctx, body)
      setSessionCookie(reply, token)
      return {...session, csrf: csrfFor(token)}
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/web/session/logout',
    action: 'auth.logout',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    handler: async ({ctx, actor, reply}) => {
      const result = await auth.logout(ctx, actor)
      clearSessionCookie(reply)
      return result
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/web/session',
    action: 'auth.whoami',
    roles: ANY_ROLE,
    allowMfaEnrollSession: true,
    handler: async ({ctx, actor, req}) => {
      // The token only for a cookie session: an API caller has no use for it.
      const secret = req.headers.authorization ? undefined : sessionCookie(req)
      return {...(await auth.whoami(ctx, actor)), csrf: secret ? csrfFor(secret) : null}
    },
  }),
]
