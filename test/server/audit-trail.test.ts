import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditRecord} from '../../src/lib/audit/record.js'
import {backendUnderTest} from '../helpers/database.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'
import {sql, sqlAll, sqlOne} from '../helpers/sql.js'
import {failure} from '../helpers/failure.js'

let t: TestServer

beforeAll(async () => {
  t = await startTestServer({checkpointEvery: 10})
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
})

const count = async () => Number((await sqlOne<{n: number | string}>(t.server.ctx.store, 'SELECT count(*) AS n FROM audit_records'))!.n)
const last = async () => {
  const row = (await sqlOne<Record<string, unknown>>(
    t.server.ctx.store,
    'SELECT action, outcome, target, actor_name AS actor, bytes_out AS "bytesOut" FROM audit_records ORDER BY seq DESC LIMIT 1',
  ))!
  // PostgreSQL returns bigint columns as strings.
  return {...row, bytesOut: row.bytesOut === null ? null : Number(row.bytesOut)}
}

describe('every interaction is audited', () => {
  it('appends exactly one record per request: allowed, denied, invalid, unknown route, unauthenticated', async () => {
    const before = await count()
    await t.admin.get('/v1/users')
    expect(await last()).toMatchObject({action: 'user.list', outcome: 'allowed', actor: 'chief'})
    await failure(t.anonymous().get('/v1/users'))
    expect(await last()).toMatchObject({action: 'user.list', outcome: 'denied', actor: null})
    await failure(t.admin.post('/v1/users', {username: 'x'}))
    expect(await last()).toMatchObject({action: 'user.create', outcome: 'error'})
    await failure(t.admin.get('/v1/no-such-thing'))
    expect(await last()).toMatchObject({action: 'http.get', outcome: 'error', target: '/v1/no-such-thing'})
    await t.anonymous().get('/v1/health')
    expect(await last()).toMatchObject({action: 'health.read', outcome: 'allowed'})
    expect(await count()).toBe(before + 5)
  })

  it('records bytes out of the response it describes', async () => {
    const users = await t.admin.get('/v1/users')
    expect(await last()).toMatchObject({action: 'user.list', bytesOut: Buffer.byteLength(JSON.stringify(users))})
  })

  it('writes no "allowed" record for a change that failed, and no change without its record', async () => {
    await t.admin.post('/v1/users', {username: 'kim', password: 'Neutral-Passphrase-7', role: 'analyst'})
    const before = await count()
    const error = await failure(t.admin.post('/v1/users', {username: 'kim', password: 'Neutral-Passphrase-7', role: 'analyst'}))
    expect(error.message).toContain('already exists')
    expect(await count()).toBe(before + 1)
    expect(await last()).toMatchObject({action: 'user.create', outcome: 'error'})
    const creates = await sqlOne<{n: number | string}>(t.server.ctx.store, "SELECT count(*) AS n FROM audit_records WHERE action = 'user.create' AND outcome = 'allowed' AND target = 'user:kim'")
    expect(Number(creates!.n)).toBe(1)
  })

  it('fails the request when its audit record cannot be written', async () => {
    const store = t.server.ctx.store
    if (store.backend === 'postgres') {
      await sql(
        store,
        "CREATE FUNCTION block_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.action = 'user.create' THEN RAISE EXCEPTION 'audit disk full'; END IF; RETURN NEW; END $$",
      )
      // AFTER: a BEFORE trigger sees the columns generated from the leaf as NULL
      await sql(store, 'CREATE TRIGGER block_audit AFTER INSERT ON audit_records FOR EACH ROW EXECUTE FUNCTION block_audit()')
    } else {
      await sql(store, "CREATE TRIGGER block_audit BEFORE INSERT ON audit_records WHEN NEW.action = 'user.create' BEGIN SELECT RAISE(ABORT, 'audit disk full'); END")
    }
    try {
      const error = await failure(t.admin.post('/v1/users', {username: 'lou', password: 'Neutral-Passphrase-7', role: 'analyst'}))
      expect(error).toBeDefined()
      const lou = await sqlOne<{n: number | string}>(store, "SELECT count(*) AS n FROM users WHERE username = 'lou'")
      expect(Number(lou!.n)).toBe(0)
    } finally {
      if (store.backend === 'postgres') {
        await sql(store, 'DROP TRIGGER block_audit ON audit_records')
        await sql(store, 'DROP FUNCTION block_audit()')
      } else {
        await sql(store, 'DROP TRIGGER block_audit')
      }
    }
  })

  it('refuses any attempt to change the audit log through the API, and records it', async () => {
    for (const attempt of [() => t.admin.delete('/v1/audit'), () => t.admin.patch('/v1/audit/1', {outcome: 'allowed'})]) {
      expect((await failure(attempt())).exitCode).toBe(4)
      expect(await last()).toMatchObject({action: 'audit.modify', outcome: 'denied', actor: 'chief'})
    }
  })

  it('only admin and supervisor read the audit log; the read itself is audited with its query', async () => {
    const investigator = await t.userClient('max', 'investigator')
    expect((await failure(investigator.get('/v1/audit'))).exitCode).toBe(4)
    const records = await t.admin.get<AuditRecord[]>('/v1/audit', {action: 'audit.*', limit: 5})
    expect(records.length).toBeGreaterThan(0)
    const read = await sqlOne<{detail: string}>(t.server.ctx.store, "SELECT detail FROM audit_records WHERE action = 'audit.query' ORDER BY seq DESC LIMIT 1")
    expect(JSON.parse(read!.detail)).toMatchObject({query: {action: 'audit.*', limit: 5}})
  })

  it('signs a checkpoint every N records, and the server verifies its own log', async () => {
    for (let i = 0; i < 12; i++) await t.anonymous().get('/v1/health')
    const checkpoints = await sqlAll<{size: number | string}>(t.server.ctx.store, 'SELECT size FROM audit_checkpoints')
    expect(checkpoints.length).toBeGreaterThan(0)
    expect(checkpoints.every((c) => Number(c.size) % 10 === 0)).toBe(true)
    const result = await t.admin.post<{ok: boolean; records: number}>('/v1/audit/verify')
    expect(result.ok).toBe(true)
    expect(result.records).toBe(await count())
  })

  // SQLite only: it reads the database file after the server stops (a PostgreSQL test database is dropped then).
  it.runIf(backendUnderTest() === 'sqlite')('signs a final checkpoint at shutdown that covers every record (SQLite: read from the file after stop)', async () => {
    const dataDir = t.dataDir
    await t.stop()
    const db = new Database(`${dataDir}/rtcc.db`, {readonly: true})
    const records = (db.prepare('SELECT count(*) AS n FROM audit_records').get() as {n: number}).n
    const head = db.prepare('SELECT max(size) AS size FROM audit_checkpoints').get() as {size: number}
    db.close()
    expect(head.size).toBe(records)
  })
})
