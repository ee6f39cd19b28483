/**
 * Public routes are rate-limited per source address: a burst past the limit gets 429 with a JSON error
 * and Retry-After, is audited, and leaves other sources and other routes alone.
 */
import {request} from 'node:https'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditRecord} from '../../src/lib/audit/record.js'
import {ApiClient} from '../../src/lib/client/api.js'
import {fetchCertificate} from '../../src/lib/client/pinning.js'
import type {SessionView} from '../../src/lib/domain/auth.js'
import {type RunningServer, startServer} from '../../src/lib/server/app.js'
import {initServer} from '../../src/lib/server/init.js'
import {allRoutes} from '../../src/lib/server/routes/index.js'
import {ADMIN, removeDir, tempDir} from '../helpers/server.js'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: {error?: {code: string; message: string; details?: {retryAfterSeconds?: number}}}
}

let server: RunningServer
let dataDir: string
let certPem: string
let admin: ApiClient

/** One HTTPS request from a chosen loopback source address (Linux answers on all of 127/8). */
function send(method: string, path: string, body: unknown, from = '127.0.0.1'): Promise<Answer> {
  const url = new URL(path, server.url)
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {method, localAddress: from, ca: certPem, checkServerIdentity: () => undefined, headers: payload ? {'content-type': 'application/json'} : {}},
      (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : {}}))
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

const badLogin = (from?: string) => send('POST', '/v1/auth/login', {username: ADMIN.username, password: 'not-the-password'}, from)

beforeAll(async () => {
  dataDir = tempDir()
  await initServer(dataDir, ADMIN)
  server = await startServer({dataDir, port: 0, version: 'test', rateLimits: {'POST /v1/auth/login': {max: 3, windowSeconds: 60}}})
  const cert = await fetchCertificate(server.url)
  certPem = cert.pem
  const session = await new ApiClient({baseUrl: server.url, pin: {certPem, fingerprint: cert.fingerprint}}).post<SessionView>('/v1/auth/login', ADMIN)
  admin = new ApiClient({baseUrl: server.url, pin: {certPem, fingerprint: cert.fingerprint}, token: session.token})
})

afterAll(async () => {
  await server.close()
  removeDir(dataDir)
})

describe('rate limits on public routes', () => {
  it('a burst of logins from one address beyond the limit gets 429 with a JSON error and Retry-After', async () => {
    // The admin's login above used one of the three.
    expect((await badLogin()).status).toBe(401)
    expect((await badLogin()).status).toBe(401)
    const refused = await badLogin()
    expect(refused.status).toBe(429)
    expect(refused.body.error?.code).toBe('rate_limited')
    expect(refused.body.error?.message).toMatch(/too many requests to POST \/v1\/auth\/login from 127\.0\.0\.1: at most 3 per minute; try again in/)
    const retryAfter = Number(refused.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(refused.body.error?.details?.retryAfterSeconds).toBe(retryAfter)
    // Even the right password waits: the limit is per source, before any check.
    expect((await send('POST', '/v1/auth/login', ADMIN)).status).toBe(429)
  })

  it('another source address and other routes are unaffected by a limited address', async () => {
    expect((await badLogin()).status).toBe(429)
    expect((await badLogin('127.0.0.2')).status).toBe(401)
    expect((await send('POST', '/v1/auth/login', ADMIN, '127.0.0.3')).status).toBe(200)
    expect((await send('GET', '/v1/health', undefined)).status).toBe(200)
    expect(await admin.get('/v1/auth/whoami')).toMatchObject({user: {username: ADMIN.username}})
  })

  it('audits each refused request as denied, with its action and source address', async () => {
    const records = await admin.get<AuditRecord[]>('/v1/audit', {action: 'auth.login', outcome: 'denied', limit: 100})
    const limited = records.filter((r) => (r.detail as {reason?: string} | null)?.reason === 'rate limited')
    expect(limited.length).toBeGreaterThanOrEqual(3)
    expect(limited.every((r) => r.source === '127.0.0.1' && (r.detail as {limit?: number}).limit === 3)).toBe(true)
  })

  it('every public route declares a rate limit of its own', () => {
    const unlimited = allRoutes.filter((r) => r.roles === 'public' && !r.rateLimit).map((r) => `${r.method} ${r.url}`)
    expect(unlimited).toEqual([])
    expect(allRoutes.filter((r) => r.roles === 'public').length).toBeGreaterThanOrEqual(10)
  })
})
