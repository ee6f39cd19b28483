import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditRecord} from '../../src/lib/audit/record.js'
import type {CliError} from '../../src/lib/output/errors.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'

let t: TestServer

beforeAll(async () => {
  t = await startTestServer({checkpointEvery: 10})
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
})

const count = () => (t.server.ctx.db.prepare('SELECT count(*) AS n FROM audit_records').get() as {n: number}).n
const last = () => t.server.ctx.db.prepare('SELECT action, outcome, target, actor_name AS actor, bytes_out AS bytesOut FROM audit_records ORDER BY seq DESC LIMIT 1').get() as Record<string, unknown>
const failure = async (promise: Promise<unknown>) => (await promise.then(() => undefined, (error: CliError) => error))!

describe('every interaction is audited', () => {
  it('appends exactly one record per request: allowed, denied, invalid, unknown route, unauthenticated', async () => {
    const before = count()
    await t.admin.get('/v1/users')
    expect(last()).toMatchObject({action: 'user.list', outcome: 'allowed', actor: 'chief'})
    await failure(t.anonymous().get('/v1/users'))
    expect(last()).toMatchObject({action: 'user.list', outcome: 'denied', actor: null})
    await failure(t.admin.post('/v1/users', {username: 'x'}))
    expect(last()).toMatchObject({action: 'user.create', outcome: 'error'})
    await failure(t.admin.get('/v1/no-such-thing'))
    expect(last()).toMatchObject({action: 'http.get', outcome: 'error', target: '/v1/no-such-thing'})
    await t.anonymous().get('/v1/health')
    expect(last()).toMatchObject({action: 'health.read', outcome: 'allowed'})
    expect(count()).toBe(before + 5)
  })

  it('records bytes out of the response it describes', async () => {
    const users = await t.admin.get('/v1/users')
    expect(last()).toMatchObject({action: 'user.list', bytesOut: Buffer.byteLength(JSON.stringify(users))})
  })

  it('writes no "allowed" record for a change that failed, and no change without its record', async () => {
    await t.admin.post('/v1/users', {username: 'kim', password: 'Neutral-Passphrase-7', role: 'analyst'})
    const before = count()
    const error = await failure(t.admin.post('/v1/users', {username: 'kim', password: 'Neutral-Passphrase-7', role: 'analyst'}))
    expect(error.message).toContain('already exists')
    expect(count()).toBe(before + 1)
    expect(last()).toMatchObject({action: 'user.create', outcome: 'error'})
    const creates = t.server.ctx.db.prepare("SELECT count(*) AS n FROM audit_records WHERE action = 'user.create' AND outcome = 'allowed' AND target = 'user:kim'").get() as {n: number}
    expect(creates.n).toBe(1)
  })

  it('fails the request when its audit record cannot be written', async () => {
    const db = t.server.ctx.db
    db.exec("CREATE TRIGGER block_audit BEFORE INSERT ON audit_records WHEN NEW.action = 'user.create' BEGIN SELECT RAISE(ABORT, 'audit disk full'); END")
    try {
      const error = await failure(t.admin.post('/v1/users', {username: 'lou', password: 'Neutral-Passphrase-7', role: 'analyst'}))
      expect(error).toBeDefined()
      expect(db.prepare("SELECT count(*) AS n FROM users WHERE username = 'lou'").get()).toEqual({n: 0})
    } finally {
      db.exec('DROP TRIGGER block_audit')
    }
  })

  it('refuses any attempt to change the audit log through the API, and records it', async () => {
    for (const attempt of [() => t.admin.delete('/v1/audit'), () => t.admin.patch('/v1/audit/1', {outcome: 'allowed'})]) {
      expect((await failure(attempt())).exitCode).toBe(4)
      expect(last()).toMatchObject({action: 'audit.modify', outcome: 'denied', actor: 'chief'})
    }
  })

  it('only admin and supervisor read the audit log; the read itself is audited with its query', async () => {
    const investigator = await t.userClient('max', 'investigator')
    expect((await failure(investigator.get('/v1/audit'))).exitCode).toBe(4)
    const records = await t.admin.get<AuditRecord[]>('/v1/audit', {action: 'audit.*', limit: 5})
    expect(records.length).toBeGreaterThan(0)
    const read = t.server.ctx.db.prepare("SELECT detail FROM audit_records WHERE action = 'audit.query' ORDER BY seq DESC LIMIT 1").get() as {detail: string}
    expect(JSON.parse(read.detail)).toMatchObject({query: {action: 'audit.*', limit: 5}})
  })

  it('signs a checkpoint every N records, and the server verifies its own log', async () => {
    for (let i = 0; i < 12; i++) await t.anonymous().get('/v1/health')
    const checkpoints = t.server.ctx.db.prepare('SELECT size FROM audit_checkpoints').all() as {size: number}[]
    expect(checkpoints.length).toBeGreaterThan(0)
    expect(checkpoints.every((c) => c.size % 10 === 0)).toBe(true)
    const result = await t.admin.post<{ok: boolean; records: number}>('/v1/audit/verify')
    expect(result.ok).toBe(true)
    expect(result.records).toBe(count())
  })

  it('signs a final checkpoint at shutdown that covers every record', async () => {
    const dataDir = t.dataDir
    await t.stop()
    const db = new Database(`${dataDir}/rtcc.db`, {readonly: true})
    const records = (db.prepare('SELECT count(*) AS n FROM audit_records').get() as {n: number}).n
    const head = db.prepare('SELECT max(size) AS size FROM audit_checkpoints').get() as {size: number}
    db.close()
    expect(head.size).toBe(records)
  })
})
