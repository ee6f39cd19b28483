/**
 * Bearer credentials: login sessions (30 min idle, 12 h absolute, ended at logout), scoped API
 * tokens (revocable, expiring) and owners' device tokens (until revoked; device routes only). Secrets are 256-bit random, shown once, stored as SHA-256 hashes: they are
 * high-entropy, so a fast hash is enough and lookups stay indexed.
 *
 * Every use re-reads the account: a deleted, disabled or admin-locked account stops its credentials,
 * and a token never acts above its user's current role. A lockout after failed logins does not touch
 * them, or anyone could end an admin's work by typing wrong passwords for her name.
 */
import {createHash, randomBytes} from 'node:crypto'

import {newId} from '../domain/ids.js'
import {grantableScopes, type Role} from '../domain/roles.js'
import type * as sessions from '../store/sessions.js'
import type {UserRow} from '../store/users.js'
import type {Actor, ServerContext} from './context.js'
import {HttpError, unauthenticated} from './http-error.js'

export const IDLE_TIMEOUT_MS = 30 * 60_000
export const ABSOLUTE_TIMEOUT_MS = 12 * 3_600_000
/**
 * A credential's last use is written at most this often, so a script's burst of reads is not a
 * burst of write transactions (one per request cost about 0.12 ms of server CPU and queued behind
 * every other write). An idle session may thus end up to this much before 30 min of true idleness.
 */
export const TOUCH_INTERVAL_MS = 10_000

const stale = (lastUse: string | null, now: Date) => lastUse === null || now.getTime() - Date.parse(lastUse) >= TOUCH_INTERVAL_MS

const SESSION_PREFIX = 'rtcc_s_'
const TOKEN_PREFIX = 'rtcc_t_'
/** A phone's access token, given when it sends its key (`rtcc owner device add`); it works only on routes that allow devices. */
export const DEVICE_PREFIX = 'rtcc_d_'

export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret).digest()

export async function createSession(ctx: ServerContext, userId: string, scope: sessions.SessionRow['scope']): Promise<{token: string; expiresAt: string; id: string}> {
  const token = SESSION_PREFIX + randomBytes(32).toString('base64url')
  const now = ctx.now()
  const id = newId('ses')
  const expiresAt = new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS).toISOString()
  await ctx.store.sessions.insertSession({id, tokenHash: hashSecret(token), user_id: userId, created_at: now.toISOString(), expires_at: expiresAt, scope})
  return {token, expiresAt, id}
}

export async function createApiToken(
  ctx: ServerContext,
  input: {userId: string; name: string; roleScope: Role; expiresInSeconds: number},
): Promise<{token: string; row: sessions.TokenRow}> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url')
  const now = ctx.now()
  const row = {
    id: newId('tok'),
    user_id: input.userId,
    name: input.name,
    role_scope: input.roleScope,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + input.expiresInSeconds * 1000).toISOString(),
  }
  await ctx.store.sessions.insertToken({...row, tokenHash: hashSecret(token)})
  return {token, row: {...row, last_used_at: null, revoked_at: null}}
}

/** Resolve the bearer credential of a request, or throw 401 saying exactly why it was refused. */
export async function authenticate(ctx: ServerContext, authorization: string | undefined): Promise<Actor> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')
  if (!match) throw unauthenticated()
  const secret = match[1]!
  const now = ctx.now()
  const nowIso = now.toISOString()
  if (secret.startsWith(SESSION_PREFIX)) {
    const found = await ctx.store.sessions.findSessionByHash(hashSecret(secret))
    if (!found) throw unauthenticated('unknown session: log in again with `rtcc login`')
    const session = found.credential
    if (session.ended_at) throw unauthenticated('this session was logged out: log in again with `rtcc login`')
    if (session.expires_at <= nowIso) throw unauthenticated('session expired (12 h limit): log in again')
    if (now.getTime() - Date.parse(session.last_seen_at) > IDLE_TIMEOUT_MS) throw unauthenticated('session expired after 30 min idle: log in again')
    const user = active(found.user)
    if (stale(session.last_seen_at, now)) await ctx.store.sessions.touchSession(session.id, nowIso)
    return {user, role: user.role, via: 'session', credentialId: session.id, expiresAt: session.expires_at, scope: session.scope}
  }
  if (secret.startsWith(TOKEN_PREFIX)) {
    const found = await ctx.store.sessions.findTokenByHash(hashSecret(secret))
    if (!found) throw unauthenticated('unknown API token')
    const token = found.credential
    if (token.revoked_at) throw unauthenticated(`API token "${token.name}" was revoked`)
    if (token.expires_at <= nowIso) throw unauthenticated(`API token "${token.name}" expired at ${token.expires_at}`)
    const user = active(found.user)
    const role = tokenRole(token.role_scope, user.role)
    if (!role)
      throw new HttpError(403, 'token_out_of_scope', `API token "${token.name}" (${token.role_scope}) does not fit the current role of "${user.username}" (${user.role}): create a new token`)
    if (stale(token.last_used_at, now)) await ctx.store.sessions.touchToken(token.id, nowIso)
    return {user, role, via: 'token', credentialId: token.id, tokenName: token.name, expiresAt: token.expires_at, scope: 'full'}
  }
  if (secret.startsWith(DEVICE_PREFIX)) {
    const device = await ctx.store.devices.deviceByToken(hashSecret(secret).toString('hex'))
    if (!device) throw unauthenticated('unknown or revoked device: ask the owner to run `rtcc owner device add` again')
    if (!device.vouched_at) throw unauthenticated('this device is not vouched for yet: finish `rtcc owner device add` on your computer')
    const user = active(await ctx.store.users.findUserById(device.user_id))
    return {user, role: user.role, via: 'device', credentialId: device.id, expiresAt: '9999-12-31T23:59:59.999Z', scope: 'full'}
  }
  throw unauthenticated('malformed credential: expected an rtcc session or API token')
}

/**
 * A token acts with its scope while its user could still grant it; after a demotion below the scope,
 * with the user's current role; after a move off the ladder (e.g. to installer), not at all.
 */
function tokenRole(scope: Role, userRole: Role): Role | undefined {
  if (grantableScopes(userRole).includes(scope)) return scope
  return grantableScopes(scope).includes(userRole) ? userRole : undefined
}

export const accountDisabled = (username: string) => new HttpError(403, 'account_disabled', `account "${username}" is disabled`)
export const lockedByAdmin = (username: string) =>
  new HttpError(403, 'account_locked', `account "${username}" was locked by an admin: an admin can run \`rtcc user unlock ${username}\``)

/** The credential's account, read with it on the same request: refused when gone, disabled or locked. */
function active(user: UserRow | undefined): UserRow {
  if (!user) throw unauthenticated('the account behind this credential no longer exists')
  if (user.disabled) throw accountDisabled(user.username)
  if (user.locked_at) throw lockedByAdmin(user.username)
  return user
}
