/** Item 8: the server checks the log it reopens before it signs anything over it. */
import {existsSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {AuditLog} from '../../src/lib/audit/log.js'
import {signCheckpoint} from '../../src/lib/audit/note.js'
import {listCheckpoints, queryAuditRecords} from '../../src/lib/store/audit.js'
import {openDatabase, type Db} from '../../src/lib/store/db.js'
import {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {startServer} from '../../src/lib/server/app.js'
import {removeDir, startTestServer} from '../helpers/server.js'
import {backendUnderTest} from '../helpers/database.js'
import {appendMany, editLeaf, newSigner, ORIGIN, rehashLeaf, tempDir, verifySqlite} from './helpers.js'

const onSqlite = backendUnderTest() === 'sqlite'

let dir: string
let cleanup: () => void
let db: Db
const signer = newSigner()
const open = (checkpointFile: string) => AuditLog.open(new SqliteStore(db), {origin: ORIGIN, signer, checkpointEvery: 10, checkpointFile})

/** What someone with write access to the database does: change a record and make its leaf hash match. */
function forgeRecord(target: Db, seq: number, action = 'camera.delete'): void {
  editLeaf(target, seq, {action})
  rehashLeaf(target, seq)
}

beforeEach(() => {
  ;({dir, cleanup} = tempDir())
  db = openDatabase(join(dir, 'rtcc.db'))
})
afterEach(() => {
  db.close()
  cleanup()
})

describe('audit log start-up check', () => {
  it('keeps the latest signed checkpoint in a 0600 file outside the database', async () => {
    const file = join(dir, 'audit-checkpoint.note')
    const log = await open(file)
    await appendMany(log, 1, 23)
    expect(readFileSync(file, 'utf8')).toBe(listCheckpoints(db).at(-1)!.note)
    expect((await log.checkpoint()).size).toBe(23)
    expect(readFileSync(file, 'utf8')).toBe((await log.checkpoint()).note)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('refuses to open a forged log whose checkpoint rows were deleted, naming the kept checkpoint', async () => {
    const file = join(dir, 'audit-checkpoint.note')
    await appendMany(await open(file), 1, 25)
    forgeRecord(db, 4)
    db.prepare('DELETE FROM audit_checkpoints').run()
    await expect(open(file)).rejects.toThrow(/REFUSING TO START: .*audit-checkpoint\.note holds the checkpoint signed at size 20 .*does not \(its newest checkpoint is none\): checkpoint rows were deleted/)
    // Without the file, nothing at the server could have told.
    expect((await verifySqlite(db, signer.publicKey)).ok).toBe(true)
  })

  it('refuses to open a log whose checkpoint rows were replaced by older ones', async () => {
    const file = join(dir, 'audit-checkpoint.note')
    await appendMany(await open(file), 1, 25)
    db.prepare('DELETE FROM audit_checkpoints WHERE size = 20').run()
    await expect(open(file)).rejects.toThrow(/holds the checkpoint signed at size 20 .*its newest checkpoint is at size 10/)
  })

  it('refuses to open a log with a record altered before the newest checkpoint, naming the records between the checkpoints', async () => {
    const file = join(dir, 'audit-checkpoint.note')
    await appendMany(await open(file), 1, 35)
    forgeRecord(db, 24)
    await expect(open(file)).rejects.toThrow(/no longer reproduce the checkpoint signed at size 30 .*records 21–30 were altered and their leaf hashes rewritten/)
  })

  it('refuses to sign over a record after the newest checkpoint whose contents no longer match its leaf hash', async () => {
    const file = join(dir, 'audit-checkpoint.note')
    await appendMany(await open(file), 1, 14)
    editLeaf(db, 13, {action: 'camera.delete'})
    const id = queryAuditRecords(db, {afterSeq: 12, limit: 1})[0]!.id
    await expect(open(file)).rejects.toThrow(new RegExp(`audit record 13 \\(${id}\\) does not match its leaf hash`))
  })

  it('refuses, while running, to sign a checkpoint over a tail record altered after it was written', async () => {
    const log = await open(join(dir, 'audit-checkpoint.note'))
    await appendMany(log, 1, 15)
    editLeaf(db, 12, {target: 'usr_someone_else'})
    await expect(log.checkpoint()).rejects.toThrow(/audit record 12 .* does not match its leaf hash/)
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([10])
  })

  it('checks every page of a long tail before signing, and signs it when nothing was altered', async () => {
    const file = join(dir, 'audit-checkpoint.note')
    const log = await AuditLog.open(new SqliteStore(db), {origin: ORIGIN, signer, checkpointEvery: 1000, checkpointFile: file})
    await appendMany(log, 1, 300)
    const leaf = db.prepare('SELECT leaf FROM audit_records WHERE seq = 290').pluck().get()
    editLeaf(db, 290, {target: 'usr_someone_else'})
    await expect(log.checkpoint()).rejects.toThrow(/audit record 290 .* does not match its leaf hash/)
    expect(listCheckpoints(db)).toEqual([])
    db.prepare('UPDATE audit_records SET leaf = ? WHERE seq = 290').run(leaf)
    const signed = await log.checkpoint()
    expect(signed.size).toBe(300)
    expect(readFileSync(file, 'utf8')).toBe(signed.note)
  })

  it('recreates a missing checkpoint file from the database (first start after an upgrade)', async () => {
    const file = join(dir, 'audit-checkpoint.note')
    await appendMany(await open(file), 1, 12)
    rmSync(file)
    await open(file)
    expect(readFileSync(file, 'utf8')).toBe(listCheckpoints(db).at(-1)!.note)
  })

  it('refuses a checkpoint file not signed by this server', async () => {
    const file = join(dir, 'audit-checkpoint.note')
    await appendMany(await open(file), 1, 12)
    const kept = listCheckpoints(db).at(-1)!
    writeFileSync(file, signCheckpoint({origin: ORIGIN, size: kept.size, rootHash: kept.rootHash}, newSigner()))
    await expect(open(file)).rejects.toThrow(/audit-checkpoint\.note is not a checkpoint signed by this server's audit key/)
  })
})

describe('server restart over a forged audit log', () => {
  // Forges the log by editing the SQLite file directly; on PostgreSQL the same forgery (plain SQL) is caught in test/store/audit.test.ts.
  it.runIf(onSqlite)('refuses to start when a record was edited, its leaf recomputed and the checkpoint rows deleted', async () => {
    const test = await startTestServer()
    try {
      await test.admin.get('/v1/auth/whoami')
      await test.admin.get('/v1/users')
      await test.stop()
      const file = join(test.dataDir, 'audit-checkpoint.note')
      expect(existsSync(file)).toBe(true)
      const forged = openDatabase(join(test.dataDir, 'rtcc.db'))
      forgeRecord(forged, 2, 'user.delete')
      forged.prepare('DELETE FROM audit_checkpoints').run()
      forged.close()
      await expect(startServer({dataDir: test.dataDir, port: 0, version: 'test'})).rejects.toThrow(/REFUSING TO START: .*checkpoint rows were deleted/)
    } finally {
      await test.stop()
      removeDir(test.dataDir)
    }
  })
})
