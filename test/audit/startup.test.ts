/** Item 8: the server checks the log it reopens before it signs anything over it. */
import {existsSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {AuditLog} from '../../src/lib/audit/log.js'
import {signCheckpoint} from '../../src/lib/audit/note.js'
import {leafHashOfRecord} from '../../src/lib/audit/record.js'
import {verifyAuditLog} from '../../src/lib/audit/verify.js'
import {listCheckpoints, queryAuditRecords} from '../../src/lib/store/audit.js'
import {openDatabase, type Db} from '../../src/lib/store/db.js'
import {startServer} from '../../src/lib/server/app.js'
import {removeDir, startTestServer} from '../helpers/server.js'
import {appendMany, newSigner, ORIGIN, tempDir} from './helpers.js'

let dir: string
let cleanup: () => void
let db: Db
const signer = newSigner()
const open = (checkpointFile: string) => new AuditLog(db, {origin: ORIGIN, signer, checkpointEvery: 10, checkpointFile})

/** What someone with write access to the database does: change a record and make its leaf hash match. */
function forgeRecord(target: Db, seq: number, action = 'camera.delete'): void {
  target.prepare('UPDATE audit_records SET action = ? WHERE seq = ?').run(action, seq)
  const record = queryAuditRecords(target, {afterSeq: seq - 1, limit: 1})[0]!
  target.prepare('UPDATE audit_records SET leaf_hash = ? WHERE seq = ?').run(leafHashOfRecord(record), seq)
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
  it('keeps the latest signed checkpoint in a 0600 file outside the database', () => {
    const file = join(dir, 'audit-checkpoint.note')
    const log = open(file)
    appendMany(log, 1, 23)
    expect(readFileSync(file, 'utf8')).toBe(listCheckpoints(db).at(-1)!.note)
    expect(log.checkpoint().size).toBe(23)
    expect(readFileSync(file, 'utf8')).toBe(log.checkpoint().note)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('refuses to open a forged log whose checkpoint rows were deleted, naming the kept checkpoint', () => {
    const file = join(dir, 'audit-checkpoint.note')
    appendMany(open(file), 1, 25)
    forgeRecord(db, 4)
    db.prepare('DELETE FROM audit_checkpoints').run()
    expect(() => open(file)).toThrow(/REFUSING TO START: .*audit-checkpoint\.note holds the checkpoint signed at size 20 .*does not \(its newest checkpoint is none\): checkpoint rows were deleted/)
    // Without the file, nothing at the server could have told.
    expect(verifyAuditLog(db, signer.publicKey).ok).toBe(true)
  })

  it('refuses to open a log whose checkpoint rows were replaced by older ones', () => {
    const file = join(dir, 'audit-checkpoint.note')
    appendMany(open(file), 1, 25)
    db.prepare('DELETE FROM audit_checkpoints WHERE size = 20').run()
    expect(() => open(file)).toThrow(/holds the checkpoint signed at size 20 .*its newest checkpoint is at size 10/)
  })

  it('refuses to open a log with a record altered before the newest checkpoint, naming the records between the checkpoints', () => {
    const file = join(dir, 'audit-checkpoint.note')
    appendMany(open(file), 1, 35)
    forgeRecord(db, 24)
    expect(() => open(file)).toThrow(/no longer reproduce the checkpoint signed at size 30 .*records 21–30 were altered and their leaf hashes rewritten/)
  })

  it('refuses to sign over a record after the newest checkpoint whose contents no longer match its leaf hash', () => {
    const file = join(dir, 'audit-checkpoint.note')
    appendMany(open(file), 1, 14)
    db.prepare("UPDATE audit_records SET action = 'camera.delete' WHERE seq = 13").run()
    const id = queryAuditRecords(db, {afterSeq: 12, limit: 1})[0]!.id
    expect(() => open(file)).toThrow(new RegExp(`audit record 13 \\(${id}\\) does not match its leaf hash`))
  })

  it('refuses, while running, to sign a checkpoint over a tail record altered after it was written', () => {
    const log = open(join(dir, 'audit-checkpoint.note'))
    appendMany(log, 1, 15)
    db.prepare("UPDATE audit_records SET target = 'usr_someone_else' WHERE seq = 12").run()
    expect(() => log.checkpoint()).toThrow(/audit record 12 .* does not match its leaf hash/)
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([10])
  })

  it('recreates a missing checkpoint file from the database (first start after an upgrade)', () => {
    const file = join(dir, 'audit-checkpoint.note')
    appendMany(open(file), 1, 12)
    rmSync(file)
    open(file)
    expect(readFileSync(file, 'utf8')).toBe(listCheckpoints(db).at(-1)!.note)
  })

  it('refuses a checkpoint file not signed by this server', () => {
    const file = join(dir, 'audit-checkpoint.note')
    appendMany(open(file), 1, 12)
    const kept = listCheckpoints(db).at(-1)!
    writeFileSync(file, signCheckpoint({origin: ORIGIN, size: kept.size, rootHash: kept.rootHash}, newSigner()))
    expect(() => open(file)).toThrow(/audit-checkpoint\.note is not a checkpoint signed by this server's audit key/)
  })
})

describe('server restart over a forged audit log', () => {
  it('refuses to start when a record was edited, its leaf recomputed and the checkpoint rows deleted', async () => {
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
