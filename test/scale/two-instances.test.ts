/**
 * Two server instances on one PostgreSQL database (and one data dir's keys), as a cluster runs them:
 * what one server used to keep in memory, they now agree on. An expiring request is expired once (one
 * audit record, one event) however many instances run the expiry sweep at the same moment; rate-limit
 * counts and failed-login lockouts add up across instances; the audit log keeps one order and one
 * checkpoint per size.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CanvassResult} from '../../src/lib/domain/requests.js'
import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {expireDue} from '../../src/lib/services/requests.js'
import {createTestDatabase, type TestDatabase} from '../helpers/database.js'
import {removeDir, startSecondInstance, startTestServer, type TestServer, ADMIN} from '../helpers/server.js'
import {sql, sqlAll} from '../helpers/sql.js'

let database: TestDatabase
let a: TestServer
let b: TestServer

// Small limits, so counts that only add up across instances show: 3 + 2 health checks pass, a 6th not.
const rateLimits = {'GET /v1/health': {max: 5, windowSeconds: 60}, 'POST /v1/auth/login': {max: 100, windowSeconds: 60}}

beforeAll(async () => {
  database = await createTestDatabase()
  a = await startTestServer({database: database.url, rateLimits, checkpointEvery: 7})
  b = await startSecondInstance(a, {rateLimits, checkpointEvery: 7})
}, 60_000)

afterAll(async () => {
  await b?.stop()
  await a?.stop()
  await database?.drop()
  if (a) removeDir(a.dataDir)
})

/** 'ok', or the error code the server answered with. */
const status = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: {code?: string}) => error.code)

describe('two instances sharing one PostgreSQL database', () => {
  it('expire a due request once between them: one audit record, one event', async () => {
    const imported = await a.admin.http.post('v1/registry/import', {
      body: 'external_id,name,latitude,longitude,owner_email,owner_name,records,retention_days,location_type\nX1,Corner,41.9005,-87.6500,corner@example.org,Corner,yes,30,business\n',
      headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', fileName: 'x.csv', source: 'x'})},
    })
    expect(imported.statusCode).toBe(200)
    const investigator = await a.userClient('ivy', 'investigator')
    const window = {from: new Date(Date.now() - 50 * 3600_000).toISOString(), to: new Date(Date.now() - 49 * 3600_000).toISOString()}
    const {requests} = await investigator.post<CanvassResult>('/v1/requests/canvass', {latitude: 41.9, longitude: -87.65, radius: '300m', caseId: 'CASE-TWO-1', reason: 'burglary', ...window})
    const id = requests[0]!.id
    await sql(a.server.ctx.store, 'UPDATE footage_requests SET expires_at = ? WHERE id = ?', [new Date(Date.now() - 1000).toISOString(), id])

    // Both instances' sweeps at the same moment, several times over.
    const expired = await Promise.all(Array.from({length: 6}, (_, i) => expireDue((i % 2 ? b : a).server.ctx)))
    expect(expired.reduce((sum, n) => sum + n, 0)).toBe(1)
    await Promise.all([a.server.ctx.events.drain(), b.server.ctx.events.drain()])

    const audit = await sqlAll<{action: string}>(a.server.ctx.store, "SELECT action FROM audit_records WHERE target = ? AND action = 'request.expired'", [id])
    expect(audit).toHaveLength(1)
    const events = await sqlAll<{type: string}>(a.server.ctx.store, "SELECT type FROM events WHERE type = 'request.expired' AND data LIKE ?", [`%${id}%`])
    expect(events).toHaveLength(1)
    const timeline = await a.server.ctx.store.requests.timeline(id)
    expect(timeline.filter((e) => e.event === 'expired')).toHaveLength(1)
  })

  it('count a route rate limit from both instances together', async () => {
    const health = (t: TestServer) => status(t.anonymous().get('/v1/health'))
    const passed = [await health(a), await health(a), await health(a), await health(b), await health(b)]
    expect(passed).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
    // Each instance has seen at most 3: only a shared count refuses these.
    expect(await health(a)).toBe('rate_limited')
    expect(await health(b)).toBe('rate_limited')
    // Another route keeps its own count.
    expect(await status(b.anonymous().post('/v1/auth/login', {username: 'nobody', password: 'wrong-password-1'}))).toBe('invalid_credentials')
  })

  it('lock a name after failed logins spread over both instances', async () => {
    await a.userClient('lena', 'analyst', 'Correct-Horse-Battery-9')
    const attempt = (t: TestServer, password: string) => status(t.login('lena', password))
    for (const t of [a, b, a, b]) expect(await attempt(t, 'not-the-password')).toBe('invalid_credentials')
    // The fifth failure in all (the third on this instance) starts the lockout; the right password is then refused on both.
    expect(await attempt(a, 'not-the-password')).toBe('account_locked')
    expect(await attempt(b, 'Correct-Horse-Battery-9')).toBe('account_locked')
    expect(await attempt(a, 'Correct-Horse-Battery-9')).toBe('account_locked')
    expect(await status(a.login(ADMIN.username, ADMIN.password))).toBe('ok')
  })

  it('keep one audit order and one checkpoint per size while both sign', async () => {
    await Promise.all(Array.from({length: 20}, (_, i) => (i % 2 ? b : a).admin.get('/v1/users')))
    const [onA, onB] = [await a.server.ctx.audit.checkpoint(), await b.server.ctx.audit.checkpoint()]
    const sizes = (await a.server.ctx.audit.checkpoints()).map((c) => c.size)
    expect(new Set(sizes).size).toBe(sizes.length)
    // The newest head each instance signed is over the same shared log: a proof from one verifies the other's records.
    const last = Math.min(onA.size, onB.size)
    const proof = await b.server.ctx.audit.consistencyProof(last)
    expect(proof.fromSize).toBe(last)
    const seqs = (await sqlAll<{seq: number}>(a.server.ctx.store, 'SELECT seq FROM audit_records ORDER BY seq')).map((r) => Number(r.seq))
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
  })
})
