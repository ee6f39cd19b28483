/**
 * Owners' browser sessions: the same login session the CLI gets (same lockout, idle and absolute
 * limits, same audit), carried in a `__Host-` cookie (Secure, HttpOnly, SameSite=Strict, Path=/), so
 * page scripts never see it. A state change made with the cookie must also show
 *  - the session's synchronizer token in `X-Rtcc-Csrf` (SHA-256 of the session secret: only a page
 *    that read it from `GET /web/session` can send it, and it reveals nothing of the secret), and
 *  - an Origin (and Sec-Fetch-Site, when the browser sends it) of this very server.
 * A request with an Authorization header is an API call and none of this applies.
 *
 * The Cookie header is read by hand (one cookie we set ourselves; no cookie library is a dependency).
 */
import {createHash} from 'node:crypto'

import type {FastifyReply, FastifyRequest} from 'fastify'

import {HttpError} from '../http-error.js'

export const SESSION_COOKIE = '__Host-rtcc_session'
export const CSRF_HEADER = 'x-rtcc-csrf'

export const csrfFor = (sessionSecret: string): string => createHash('sha256').update(`rtcc-csrf\n${sessionSecret}`).digest('base64url')

/** The session secret in the request's cookie, if any. */
export function sessionCookie(req: FastifyRequest): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === SESSION_COOKIE) return value.join('=') || undefined
  }
  return undefined
}

const csrfRefused = (why: string) => new HttpError(403, 'csrf', `refused: ${why} (reload the page and try again)`)

/** A browser's state change must come from a page of this server. */
export function checkSameOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin
  if (origin !== `https://${req.headers.host}`) throw csrfRefused(origin ? `request from another site (${origin})` : 'no Origin header')
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') throw csrfRefused(`request from a ${site} page`)
}

/**
 * A login from a page: there is no session yet to hold a token, so the page's own origin and a custom
 * header (which a cross-site form cannot send, and a cross-site script not without a CORS preflight
 * this server never grants) stand for it.
 */
export function checkPageLogin(req: FastifyRequest): void {
  checkSameOrigin(req)
  if (!req.headers[CSRF_HEADER]) throw csrfRefused(`no ${CSRF_HEADER} header`)
}

const SAFE = new Set(['GET', 'HEAD'])

/** The cookie's session as an Authorization value, when there is no Authorization header; checks CSRF on state changes. */
export function cookieAuthorization(req: FastifyRequest): string | undefined {
  if (req.headers.authorization) return req.headers.authorization
  const secret = sessionCookie(req)
  if (!secret) return undefined
  if (!SAFE.has(req.method)) {
    checkSameOrigin(req)
    if (req.headers[CSRF_HEADER] !== csrfFor(secret)) throw csrfRefused('missing or wrong CSRF token')
  }
  return `Bearer ${secret}`
}

export function setSessionCookie(reply: FastifyReply, secret: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${secret}; Secure; HttpOnly; SameSite=Strict; Path=/`)
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`)
}
