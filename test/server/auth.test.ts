import * as OTPAuth from 'otpauth'
import {connect as tlsConnect} from 'node:tls'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditRecord} from '../../src/lib/audit/record.js'
import {ApiClient} from '../../src/lib/client/api.js'
import type {SessionView, TokenView, WhoAmI} from '../../src/lib/domain/auth.js'
import {ADMIN, removeDir, startTestServer, type TestServer} from '../helpers/server.js'
import {sqlOne} from '../helpers/sql.js'
import {failure} from '../helpers/failure.js'

let t: TestServer

beforeAll(async () => {
  t = await startTestServer()
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
})


describe('bundled server', () => {
  it('serves health without credentials and reveals only status and version', async () => {
    expect(await t.anonymous().get('/v1/health')).toEqual({status: 'ok', version: 'test'})
  })

  it('refuses TLS 1.2 clients', async () => {
    const {hostname, port} = new URL(t.url)
    const error = await new Promise<Error | undefined>((resolve) => {
      const socket = tlsConnect({host: hostname, port: Number(port), maxVersion: 'TLSv1.2', rejectUnauthorized: false})
      socket.once('secureConnect', () => {
        socket.end()
        resolve(undefined)
      })
      socket.once('error', resolve)
    })
    expect(error).toBeInstanceOf(Error)
  })

  it('requires authentication on every other route (401, exit code 4)', async () => {
    const error = await failure(t.anonymous().get('/v1/users'))
    expect(error.exitCode).toBe(4)
    expect(error.code).toBe('auth_required')
  })

  it('denies a role the route does not allow, and audits the denial', async () => {
    const analyst = await t.userClient('alice', 'analyst')
    const error = await failure(analyst.get('/v1/users'))
    expect(error.exitCode).toBe(4)
    expect(error.message).toContain('may not user.list')
    const denied = await t.admin.get<AuditRecord[]>('/v1/audit', {actor: 'alice', outcome: 'denied'})
    expect(denied.map((r) => r.action)).toContain('user.list')
  })

  it('names the invalid field in a 400 and never returns a stack trace', async () => {
    const error = await failure(t.admin.post('/v1/users', {username: 'bob', password: 'x', role: 'wizard'}))
    expect(error.message).toMatch(/body field "role"/)
    expect(JSON.stringify(error)).not.toMatch(/at .*\.ts:\d+/)
  })

  it('rejects bodies over the size limit with 413', async () => {
    const error = await failure(t.admin.post('/v1/users', {username: 'big', password: 'x'.repeat(2 * 1024 * 1024), role: 'analyst'}))
    expect(error.message).toMatch(/too large/i)
  })

  it('refuses short and common passwords', async () => {
    expect((await failure(t.admin.post('/v1/users', {username: 'carl', password: 'short', role: 'analyst'}))).message).toContain('at least 8')
    expect((await failure(t.admin.post('/v1/users', {username: 'carl', password: 'password1', role: 'analyst'}))).message).toContain('commonly used')
  })
})

describe('sessions and lockout', () => {
  it('refuses a session token after logout', async () => {
    const client = await t.userClient('dora', 'investigator')
    expect((await client.get<WhoAmI>('/v1/auth/whoami')).user.username).toBe('dora')
    await client.post('/v1/auth/logout')
    const error = await failure(client.get('/v1/auth/whoami'))
    expect(error.message).toContain('logged out')
  })

  it('locks an account after 5 failed logins in 15 minutes; an admin can unlock it sooner', async () => {
    await t.admin.post('/v1/users', {username: 'eve', password: 'Strong-Pass-One-1', role: 'analyst'})
    for (let i = 0; i < 4; i++) expect((await failure(t.login('eve', 'wrong-password'))).code).toBe('invalid_credentials')
    expect((await failure(t.login('eve', 'wrong-password'))).code).toBe('account_locked')
    // even the right password is refused while locked
    expect((await failure(t.login('eve', 'Strong-Pass-One-1'))).code).toBe('account_locked')
    await t.admin.post('/v1/users/eve/unlock')
    const eve = await t.login('eve', 'Strong-Pass-One-1')
    expect((await eve.get<WhoAmI>('/v1/auth/whoami')).role).toBe('analyst')
    const records = await t.admin.get<AuditRecord[]>('/v1/audit', {target: (await eve.get<WhoAmI>('/v1/auth/whoami')).user.id, limit: 50})
    expect(records.filter((r) => r.action === 'auth.login' && r.outcome === 'denied')).toHaveLength(6)
    expect(records.some((r) => r.action === 'user.unlock' && r.outcome === 'allowed')).toBe(true)
  })

  it('disabling a user ends their sessions at once', async () => {
    const frank = await t.userClient('frank', 'analyst')
    await t.admin.post('/v1/users/frank/disable')
    expect((await failure(frank.get('/v1/auth/whoami'))).exitCode).toBe(4)
    expect((await failure(t.login('frank', 'Test-User-Passphrase-42'))).code).toBe('account_disabled')
  })

  it('will not disable the last active admin', async () => {
    const error = await failure(t.admin.post(`/v1/users/${ADMIN.username}/disable`))
    expect(error.message).toContain('last active admin')
  })
})

describe('API tokens', () => {
  it('acts with its narrower scope, and stops working once revoked', async () => {
    const token = await t.admin.post<TokenView & {token: string}>('/v1/tokens', {name: 'nightly', roleScope: 'analyst', expiresInSeconds: 3600})
    const scripted = new ApiClient({baseUrl: t.url, pin: t.pin, token: token.token})
    expect((await scripted.get<WhoAmI>('/v1/auth/whoami')).role).toBe('analyst')
    expect((await failure(scripted.get('/v1/users'))).exitCode).toBe(4)
    await t.admin.delete(`/v1/tokens/${token.id}`)
    expect((await failure(scripted.get('/v1/auth/whoami'))).message).toContain('revoked')
  })

  it('cannot be scoped above its creator: refused as not authorized (exit 4), naming the scopes allowed', async () => {
    const investigator = await t.userClient('gus', 'investigator')
    const error = await failure(investigator.post('/v1/tokens', {name: 'x', roleScope: 'admin', expiresInSeconds: 3600}))
    expect(error.message).toContain('can scope tokens to: investigator, analyst')
    expect(error.exitCode).toBe(4)
  })

  it('is stored hashed: the secret appears nowhere in the database', async () => {
    const token = await t.admin.post<{token: string}>('/v1/tokens', {name: 'hash-check', expiresInSeconds: 3600})
    const hits = await sqlOne<{n: number | string}>(t.server.ctx.store, 'SELECT count(*) AS n FROM api_tokens WHERE token_hash = ? OR name = ?', [Buffer.from(token.token), token.token])
    expect(Number(hits!.n)).toBe(0)
  })
})

describe('TOTP second factor', () => {
  it('enrols, then demands and checks the code at login', async () => {
    const client = await t.userClient('hana', 'supervisor', 'Strong-Pass-Two-2')
    const {secret} = await client.post<{secret: string; uri: string}>('/v1/auth/mfa/enroll')
    const totp = new OTPAuth.TOTP({secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30})
    await client.post('/v1/auth/mfa/confirm', {otp: totp.generate()})
    expect((await failure(t.login('hana', 'Strong-Pass-Two-2'))).code).toBe('otp_required')
    expect((await failure(t.login('hana', 'Strong-Pass-Two-2', '000000'))).code).toMatch(/otp_invalid/)
    // the confirming code is spent: log in with the next one (accepted within one step of drift)
    const again = await t.login('hana', 'Strong-Pass-Two-2', totp.generate({timestamp: Date.now() + 30_000}))
    expect((await again.get<WhoAmI>('/v1/auth/whoami')).user.mfaEnabled).toBe(true)
  })

  it('when the admin requires it, a user without a factor can only enrol', async () => {
    await t.admin.post('/v1/users', {username: 'ivan', password: 'Strong-Pass-Three-3', role: 'investigator'})
    await t.admin.post('/v1/users/ivan/mfa', {required: true})
    const session = await t.anonymous().post<SessionView>('/v1/auth/login', {username: 'ivan', password: 'Strong-Pass-Three-3'})
    expect(session.mfaEnrollmentRequired).toBe(true)
    const limited = new ApiClient({baseUrl: t.url, pin: t.pin, token: session.token})
    expect((await failure(limited.get('/v1/tokens'))).code).toBe('mfa_enrollment_required')
    const {secret} = await limited.post<{secret: string}>('/v1/auth/mfa/enroll')
    const totp = new OTPAuth.TOTP({secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30})
    await limited.post('/v1/auth/mfa/confirm', {otp: totp.generate()})
    expect(await limited.get<unknown[]>('/v1/tokens')).toEqual([])
  })
})
