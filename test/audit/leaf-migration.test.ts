/**
 * The migration to stored leaves (SQLite 13, PostgreSQL 3): a log written in the old schema (record
 * columns, hashes of their canonical JSON) verifies after the migration against the checkpoint signed
 * before it, awkward text included; a record tampered with before the migration is still named; and the
 * migrated log goes on appending. Verifying a file still in the old schema reports it, without a crash.
 */
import {copyFileSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {AuditLog} from '../../src/lib/audit/log.js'
import {MerkleAccumulator} from '../../src/lib/audit/merkle.js'
import {signCheckpoint} from '../../src/lib/audit/note.js'
import {leafHashOfRecord, storedValues, type AuditRecord} from '../../src/lib/audit/record.js'
import {verifyAuditLog} from '../../src/lib/audit/verify.js'
import {openDatabase} from '../../src/lib/store/db.js'
import {migrations} from '../../src/lib/store/migrations.js'
import {migratePostgres} from '../../src/lib/store/postgres/migrate.js'
import {withPostgresAuditSnapshot} from '../../src/lib/store/postgres/audit-reader.js'
import {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import {postgresMigrations} from '../../src/lib/store/postgres/schema.js'
import {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {createTestDatabase} from '../helpers/database.js'
import {appendMany, newSigner, ORIGIN, sampleInput, tempDir, verifySqlite} from './helpers.js'

const signer = newSigner()
const RECORDS = 24
const AWKWARD = ['line\nbreak', 'quote " backslash \\ slash /', 'tab\tcr\rff\fbs\b', '\u0001\u001f\u007f', 'é ü ß \u2028\u2029 🚓 中文', '\n[999,"fake"]\n']
const OLD_COLUMNS = 'seq, id, time, actor_id, actor_name, role, action, target, outcome, source, request_id, bytes_in, bytes_out, detail, leaf_hash'

/** The records of the old log: varied, with every character JSON escapes in text columns and details. */
const oldRecords: AuditRecord[] = Array.from({length: RECORDS}, (_, i) => {
  const text = AWKWARD[i % AWKWARD.length]!
  const input = sampleInput(i + 1)
  return {
    ...input,
    seq: i + 1,
    id: `aud_old_${i + 1}`,
    time: input.time!,
    actorId: input.actorId ?? null,
    actorName: i % 2 ? text : (input.actorName ?? null),
    role: input.role ?? null,
    target: `${text}${i}`,
    source: input.source ?? null,
    requestId: i % 3 ? input.requestId ?? null : null,
    bytesIn: i % 4 ? (input.bytesIn ?? null) : null,
    bytesOut: input.bytesOut ?? null,
    detail: i % 2 ? {text, list: [text, i, null, true], n: -i * 1.5} : null,
  }
})

/** Rows in the old schema's column order, with the old leaf hashes. */
const oldRows = oldRecords.map((record) => [...storedValues(record), leafHashOfRecord(record)])

/** The checkpoint an old server signed over the whole old log. */
function oldCheckpoint(): {size: number; rootHash: Buffer; note: string; createdAt: string} {
  const tree = new MerkleAccumulator()
  for (const record of oldRecords) tree.append(leafHashOfRecord(record))
  const rootHash = tree.root()
  return {size: RECORDS, rootHash, note: signCheckpoint({origin: ORIGIN, size: RECORDS, rootHash}, signer), createdAt: new Date().toISOString()}
}

describe('the SQLite migration to stored leaves', () => {
  let dir: string
  let cleanup: () => void
  let old: string
  const checkpoint = oldCheckpoint()

  beforeAll(() => {
    ;({dir, cleanup} = tempDir())
    old = join(dir, 'v12.db')
    const db = new Database(old)
    for (const sql of migrations.slice(0, 12)) db.exec(sql)
    db.pragma('user_version = 12')
    const insert = db.prepare(`INSERT INTO audit_records (${OLD_COLUMNS}) VALUES (${oldRows[0]!.map(() => '?').join(', ')})`)
    for (const row of oldRows) insert.run(...row)
    db.prepare('INSERT INTO audit_checkpoints (size, root_hash, note, created_at) VALUES (?, ?, ?, ?)').run(checkpoint.size, checkpoint.rootHash, checkpoint.note, checkpoint.createdAt)
    db.close()
  })
  afterAll(() => cleanup())

  const copyOf = (name: string, tamper?: (db: Database.Database) => void): string => {
    const file = join(dir, name)
    copyFileSync(old, file)
    if (tamper) {
      const db = new Database(file)
      tamper(db)
      db.close()
    }
    return file
  }

  it('reports a file still in the old schema instead of reading it', async () => {
    const db = openDatabase(copyOf('unmigrated.db'), {readonly: true})
    try {
      const result = await verifySqlite(db, signer.publicKey)
      expect(result.ok).toBe(false)
      expect(result.problems).toEqual([expect.stringMatching(/^the audit_records table predates stored leaves \(schema version 12\)/), expect.stringMatching(/^the records cannot be read: /)])
    } finally {
      db.close()
    }
  })

  it('keeps every old record verifiable against the checkpoint signed before, on every read path', async () => {
    const db = openDatabase(copyOf('migrated.db'))
    try {
      expect(db.pragma('user_version', {simple: true})).toBe(migrations.length)
      expect(db.prepare('SELECT id, actor_name, target, detail, bytes_in FROM audit_records WHERE seq = 2').get()).toEqual({
        id: oldRecords[1]!.id,
        actor_name: oldRecords[1]!.actorName,
        target: oldRecords[1]!.target,
        detail: oldRows[1]![13],
        bytes_in: oldRecords[1]!.bytesIn,
      })
      for (const options of [{}, {pageSize: 8, parallelFrom: 0}, {pageSize: 5, parallelFrom: 0}]) {
        expect(await verifySqlite(db, signer.publicKey, options)).toMatchObject({ok: true, records: RECORDS, problems: [], rootHash: checkpoint.rootHash.toString('base64')})
      }
      // The server reopens it and goes on appending and signing.
      const log = await AuditLog.open(new SqliteStore(db), {origin: ORIGIN, signer, checkpointEvery: 10})
      await appendMany(log, 100, 110)
      await log.checkpoint()
      expect(await verifySqlite(db, signer.publicKey)).toMatchObject({ok: true, records: RECORDS + 11, checkpoints: 3, problems: []})
    } finally {
      db.close()
    }
  })

  it('still names a record tampered with before the migration', async () => {
    const file = copyOf('tampered.db', (db) => db.prepare("UPDATE audit_records SET actor_name = 'mallory' WHERE seq = 7").run())
    openDatabase(file).close() // migrates
    const db = openDatabase(file, {readonly: true})
    try {
      for (const options of [{}, {pageSize: 8, parallelFrom: 0}]) {
        const result = await verifySqlite(db, signer.publicKey, options)
        expect(result.firstBadRecord).toMatchObject({seq: 7, id: 'aud_old_7', reason: expect.stringMatching(/altered/)})
        expect(result.problems).toContain(`the records do not reproduce the signed checkpoint at size ${RECORDS}: records 1–${RECORDS} were altered, removed or reordered`)
      }
    } finally {
      db.close()
    }
  })
})

describe('the PostgreSQL migration to stored leaves', () => {
  it('keeps every old record verifiable, names one tampered with before, and goes on appending', async () => {
    const checkpoint = oldCheckpoint()
    for (const tamper of [false, true]) {
      const database = await createTestDatabase()
      const pool = new pg.Pool({connectionString: database.url, max: 2})
      try {
        await pool.query('CREATE TABLE rtcc_schema (version integer NOT NULL, applied_at text NOT NULL)')
        for (const [index, sql] of postgresMigrations.slice(0, 2).entries()) {
          await pool.query(sql)
          await pool.query('INSERT INTO rtcc_schema (version, applied_at) VALUES ($1, $2)', [index + 1, new Date().toISOString()])
        }
        for (const row of oldRows) await pool.query(`INSERT INTO audit_records (${OLD_COLUMNS}) VALUES (${row.map((_, i) => `$${i + 1}`).join(', ')})`, row)
        await pool.query('INSERT INTO audit_checkpoints (size, root_hash, note, created_at) VALUES ($1, $2, $3, $4)', [checkpoint.size, checkpoint.rootHash, checkpoint.note, checkpoint.createdAt])
        if (tamper) await pool.query("UPDATE audit_records SET actor_name = 'mallory' WHERE seq = 7")
        await migratePostgres(pool)
        for (const options of [{}, {pageSize: 8, parallelFrom: 0}]) {
          const result = await withPostgresAuditSnapshot(database.url, (reader) => verifyAuditLog(reader, signer.publicKey, options))
          if (tamper) expect(result.firstBadRecord).toMatchObject({seq: 7, id: 'aud_old_7', reason: expect.stringMatching(/altered/)})
          else expect(result).toMatchObject({ok: true, records: RECORDS, problems: [], rootHash: checkpoint.rootHash.toString('base64')})
        }
        if (!tamper) {
          const store = await PgStore.open(database.url)
          try {
            const log = await AuditLog.open(store, {origin: ORIGIN, signer, checkpointEvery: 10})
            await appendMany(log, 100, 105)
            expect(await store.transaction(() => verifyAuditLog(store.audit, signer.publicKey))).toMatchObject({ok: true, records: RECORDS + 6, problems: []})
          } finally {
            await store.close()
          }
        }
      } finally {
        await pool.end()
        await database.drop()
      }
    }
  }, 60_000)
})
