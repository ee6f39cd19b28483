import {copyFileSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {VerifyOptions, VerifyResult} from '../../src/lib/audit/verify.js'
import {AUDIT_RECORDS_TABLE} from '../../src/lib/store/audit-schema.js'
import {openDatabase} from '../../src/lib/store/db.js'
import {appendMany, editLeaf, newSigner, openLog, rehashLeaf as rehash, tempDir, verifySqlite} from './helpers.js'

// One genuine log, built as the server builds it: 50 records, a checkpoint every 10, and copies of the
// database file at size 30 (an old backup) and at 50. Each test tampers with its own copy through a
// separate SQLite connection, then verifies it offline the way `rtcc audit verify --db` does.
const signer = newSigner()
let dir: string
let cleanup: () => void
let golden: string
let oldBackup: string
let savedAt30: string
let savedAt50: string

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  golden = join(dir, 'golden.db')
  oldBackup = join(dir, 'backup-30.db')
  const {db, log} = await openLog(golden, signer)
  await appendMany(log, 1, 30)
  savedAt30 = (await log.checkpoint()).note
  db.close()
  copyFileSync(golden, oldBackup)
  const reopened = await openLog(golden, signer)
  await appendMany(reopened.log, 31, 50)
  savedAt50 = (await reopened.log.checkpoint()).note
  reopened.db.close()
})
afterAll(() => cleanup())

let copies = 0
let mode: {pageSize?: number; parallelFrom?: number} = {}
/** A fresh copy of the golden database, changed by `tamper` through its own connection. */
function tampered(tamper: (db: Database.Database) => void, source = golden): string {
  const file = join(dir, `copy-${++copies}.db`)
  copyFileSync(source, file)
  const raw = new Database(file)
  tamper(raw)
  raw.close()
  return file
}

async function verify(file: string, sinceCheckpoint?: string, publicKey = signer.publicKey): Promise<VerifyResult> {
  const db = openDatabase(file, {readonly: true})
  try {
    return await verifySqlite(db, publicKey, {sinceCheckpoint, ...mode})
  } finally {
    db.close()
  }
}

/** The seqs of the records a result names as bad, in the order it names them. */
const badSeqs = (result: VerifyResult): string[] => result.problems.filter((p) => p.startsWith('record ')).map((p) => p.split(' ')[1]!)

// Every test runs six ways: with one page, with 7-record pages so that records, gaps and the BLOB
// fallback fall across page boundaries, and both again with the pages read and hashed in worker threads
// (two workers taking alternate pages, so a bad record lands in the second worker's range too), and
// with 8- and 16-record pages whose subtrees the workers hash; all must name the same records.
const MODES: Array<[string, typeof mode]> = [
  ['with one page', {}],
  ['with 7-record pages', {pageSize: 7}],
  ['with one page in worker threads', {parallelFrom: 0}],
  ['with 7-record pages in worker threads', {pageSize: 7, parallelFrom: 0}],
  // Pages of a power of two records: the workers hash whole subtrees, with checkpoints (every 10) inside pages.
  ['with 8-record pages in worker threads, hashing subtrees', {pageSize: 8, parallelFrom: 0}],
  ['with 16-record pages in worker threads, hashing subtrees', {pageSize: 16, parallelFrom: 0}],
]
for (const [name, options] of MODES) {
  describe(name, () => {
    beforeAll(() => {
      mode = options
    })

    describe('verifyAuditLog on an untouched log', () => {
      it('passes, recomputing the tree and checking all five checkpoints', async () => {
        const result = await verify(golden, savedAt50)
        expect(result).toMatchObject({ok: true, records: 50, size: 50, checkpoints: 5, problems: [], warnings: [], unsignedRecords: 0})
        expect(result.firstBadRecord).toBeUndefined()
        expect(result.rootHash).toBe(savedAt50.split('\n')[2])
        expect(result.ratePerSecond).toBeGreaterThan(0)
      })

      it('passes against an older saved checkpoint: the log only grew since', async () => {
        expect(await verify(golden, savedAt30)).toMatchObject({ok: true, problems: []})
      })

      it('fails every checkpoint when checked with another key', async () => {
        const result = await verify(golden, undefined, newSigner().publicKey)
        expect(result.ok).toBe(false)
        expect(result.problems).toHaveLength(5)
        expect(result.problems[0]).toMatch(/checkpoint at size 10: no signature on the note is from the expected key/)
      })
    })

    describe('verifyAuditLog catches tampering with the database file', () => {
      it('an edited field, naming the record', async () => {
        const file = tampered((db) => editLeaf(db, 17, {actor_name: 'mallory'}))
        const result = await verify(file)
        expect(result.ok).toBe(false)
        expect(result.firstBadRecord).toMatchObject({seq: 17, reason: expect.stringMatching(/altered/)})
        expect(result.problems).toContain('the records do not reproduce the signed checkpoint at size 20: records 11–20 were altered, removed or reordered')
      })

      it('an edited field whose leaf hash was recomputed too: the signed checkpoint roots give it away', async () => {
        const file = tampered((db) => {
          editLeaf(db, 25, {outcome: 'allowed', detail: null})
          rehash(db, 25)
        })
        const result = await verify(file)
        expect(result.ok).toBe(false)
        expect(result.firstBadRecord).toBeUndefined() // its own hash is consistent; the tree is not
        expect(result.problems[0]).toBe('the records do not reproduce the signed checkpoint at size 30: records 21–30 were altered, removed or reordered')
      })

      it('a number replaced by text or a fraction', async () => {
        const file = tampered((db) => {
          editLeaf(db, 12, {bytes_in: 'lots'})
          editLeaf(db, 13, {bytes_out: 1300.5})
        })
        const result = await verify(file)
        expect(result.firstBadRecord).toMatchObject({seq: 12})
        expect(badSeqs(result)).toEqual(['12', '13'])
      })

      it('records altered on either side of a page boundary (with 7-record pages: where the second worker hands over to the first)', async () => {
        const file = tampered((db) => {
          editLeaf(db, 14, {action: 'audit.erase'})
          editLeaf(db, 15, {target: 'cam_none'})
        })
        const result = await verify(file)
        expect(result.firstBadRecord).toMatchObject({seq: 14, reason: expect.stringMatching(/altered/)})
        expect(badSeqs(result)).toEqual(['14', '15'])
        expect(result.problems).toContain('the records do not reproduce the signed checkpoint at size 20: records 11–20 were altered, removed or reordered')
        expect(result.records).toBe(50)
      })

      it('a leaf stored as a BLOB (its very bytes, which JSON functions would read as JSONB), and a truncated leaf hash', async () => {
        const file = tampered((db) => {
          db.prepare('UPDATE audit_records SET leaf = CAST(leaf AS BLOB) WHERE seq = 31').run()
          db.prepare("UPDATE audit_records SET leaf_hash = x'01' WHERE seq = 44").run()
        })
        const result = await verify(file)
        expect(result.firstBadRecord).toMatchObject({seq: 31, reason: expect.stringMatching(/altered/)})
        expect(badSeqs(result)).toEqual(['31', '44'])
        expect(result.records).toBe(50)
      })

      it('a table rebuilt so that a column no longer shows its leaf value: a plain column, or another expression', async () => {
        const rebuilt = (column: string, value: string): string =>
          tampered((db) => {
            db.exec(`ALTER TABLE audit_records RENAME TO genuine;
              ${AUDIT_RECORDS_TABLE.replace("actor_name TEXT GENERATED ALWAYS AS (leaf ->> '$[4]') VIRTUAL", column)};
              INSERT INTO audit_records (seq, leaf, leaf_hash) SELECT seq, leaf, leaf_hash FROM genuine;
              DROP TABLE genuine`)
            if (value) db.prepare('UPDATE audit_records SET actor_name = ? WHERE seq = 17').run(value)
          })
        for (const file of [rebuilt('actor_name TEXT', 'mallory'), rebuilt("actor_name TEXT GENERATED ALWAYS AS (iif(leaf ->> '$[0]' = 17, 'mallory', leaf ->> '$[4]')) VIRTUAL", '')]) {
          const shown = new Database(file, {readonly: true})
          expect(shown.prepare('SELECT actor_name FROM audit_records WHERE seq = 17').pluck().get()).toBe('mallory')
          shown.close()
          const result = await verify(file)
          expect(result.ok).toBe(false)
          expect(result.problems).toEqual(['the audit_records table is not defined as rtcc defines it: its columns may show values the leaf hashes do not cover'])
          expect(result.records).toBe(50)
        }
      })

      it('a leaf that is not UTF-8, or holds raw newlines: named, never a crash (SQLite refuses to store a leaf that is not JSON)', async () => {
        const file = tampered((db) => {
          db.prepare("UPDATE audit_records SET leaf = json_set(leaf, '$[4]', CAST(x'ff41' AS TEXT)) WHERE seq = 19").run()
          db.prepare("UPDATE audit_records SET leaf = '[' || char(10) || substr(leaf, 2) WHERE seq = 21").run() // still JSON
          expect(() => db.prepare("UPDATE audit_records SET leaf = '[' WHERE seq = 26").run()).toThrow(/malformed JSON/)
        })
        const result = await verify(file)
        expect(result.ok).toBe(false)
        expect(badSeqs(result)).toEqual(['19', '21'])
        expect(result.records).toBe(50)
      })

      it('a leaf copied over another row with its leaf hash (the unique id index dropped first)', async () => {
        const file = tampered((db) => {
          db.exec('DROP INDEX audit_records_id')
          db.prepare('UPDATE audit_records SET (leaf, leaf_hash) = (SELECT leaf, leaf_hash FROM audit_records WHERE seq = 33) WHERE seq = 34').run()
        })
        const result = await verify(file)
        expect(result.firstBadRecord).toMatchObject({seq: 34, reason: 'its leaf is for another position: the record was moved or altered'})
        expect(badSeqs(result)).toEqual(['34'])
      })

      it('a deleted row, naming the record after the gap', async () => {
        const file = tampered((db) => db.prepare('DELETE FROM audit_records WHERE seq = 23').run())
        const result = await verify(file)
        expect(result.ok).toBe(false)
        expect(result.firstBadRecord).toMatchObject({seq: 24, reason: 'records 23–23 are missing before it'})
        expect(result.problems.some((p) => /covers more records than the log holds \(49\)/.test(p))).toBe(true)
      })

      it('two rows whose contents were swapped, naming the first', async () => {
        const file = tampered((db) => {
          const get = db.prepare('SELECT leaf, leaf_hash FROM audit_records WHERE seq = ?').raw()
          const [five, nine] = [get.get(5) as unknown[], get.get(9) as unknown[]]
          const set = db.prepare('UPDATE audit_records SET leaf = ?, leaf_hash = ? WHERE seq = ?')
          db.transaction(() => {
            set.run('[0]', nine[1], 5) // ids (generated from the leaf) are UNIQUE: park one first
            set.run(...five, 9)
            set.run(...nine, 5)
          })()
        })
        const result = await verify(file)
        expect(result.ok).toBe(false)
        expect(result.firstBadRecord).toMatchObject({seq: 5, reason: expect.stringMatching(/altered/)})
        expect(badSeqs(result)).toEqual(['5', '9'])
      })

      it('a record copied to a seq before 1, while every seq 1…size is still in place', async () => {
        const file = tampered((db) => {
          db.prepare(`INSERT INTO audit_records (seq, leaf, leaf_hash) SELECT -3, json_set(leaf, '$[1]', 'copy'), leaf_hash FROM audit_records WHERE seq = 7`).run()
        })
        const result = await verify(file)
        expect(result.ok).toBe(false)
        expect(result.firstBadRecord).toEqual({seq: -3, id: 'copy', reason: 'seq -3 is not a log position'})
      })

      it('a renumbered record', async () => {
        const file = tampered((db) => db.prepare('UPDATE audit_records SET seq = 60 WHERE seq = 50').run())
        expect((await verify(file)).firstBadRecord).toMatchObject({seq: 60, reason: 'records 50–59 are missing before it'})
      })

      it('a dropped tail whose checkpoints were left behind', async () => {
        const file = tampered((db) => db.prepare('DELETE FROM audit_records WHERE seq > 42').run())
        const result = await verify(file)
        expect(result.ok).toBe(false)
        expect(result.problems).toEqual([
          'the signed checkpoint at size 50 covers more records than the log holds (42): records were removed from the end or an older copy was restored',
        ])
      })

      it('a dropped tail together with its checkpoints, given the checkpoint saved earlier', async () => {
        const file = tampered((db) => {
          db.prepare('DELETE FROM audit_records WHERE seq > 35').run()
          db.prepare('DELETE FROM audit_checkpoints WHERE size > 35').run()
        })
        // On its own the shortened log is a consistent older log; the saved checkpoint proves it was longer.
        expect((await verify(file)).ok).toBe(true)
        const result = await verify(file, savedAt50)
        expect(result.ok).toBe(false)
        expect(result.problems).toEqual([
          'the saved checkpoint at size 50 covers more records than the log holds (35): records were removed from the end or an older copy was restored',
        ])
      })

      it('an older copy of the database restored over the current one', async () => {
        expect(await verify(oldBackup)).toMatchObject({ok: true, records: 30})
        const result = await verify(oldBackup, savedAt50)
        expect(result.ok).toBe(false)
        expect(result.problems[0]).toMatch(/saved checkpoint at size 50 covers more records than the log holds \(30\)/)
      })

      it('history rewritten with fresh leaf hashes and the signed checkpoints deleted', async () => {
        const file = tampered((db) => {
          editLeaf(db, 3, {actor_name: 'nobody'})
          rehash(db, 3)
          db.prepare('DELETE FROM audit_checkpoints').run()
        })
        const alone = await verify(file)
        expect(alone.ok).toBe(true)
        expect(alone.warnings[0]).toMatch(/no signed checkpoint/)
        const result = await verify(file, savedAt30)
        expect(result.ok).toBe(false)
        expect(result.problems).toEqual(['the records do not reproduce the saved checkpoint at size 30: records 1–30 were altered, removed or reordered'])
      })

      it('a checkpoint whose note or columns were edited', async () => {
        const file = tampered((db) => {
          const note = db.prepare('SELECT note FROM audit_checkpoints WHERE size = 20').pluck().get() as string
          db.prepare('UPDATE audit_checkpoints SET note = ? WHERE size = 20').run(note.replace('\n20\n', '\n21\n'))
          db.prepare('UPDATE audit_checkpoints SET root_hash = zeroblob(32) WHERE size = 40').run()
        })
        const result = await verify(file)
        expect(result.ok).toBe(false)
        expect(result.problems).toEqual([
          expect.stringMatching(/^checkpoint at size 20: the signature by rtcc.test\/audit does not verify/),
          'checkpoint at size 40: its columns do not match its signed note (size 40)',
        ])
      })

      it('a saved checkpoint that is forged or from another log', async () => {
        const forged = savedAt30.replace('\n30\n', '\n31\n')
        expect((await verify(golden, forged)).problems[0]).toMatch(/^saved checkpoint: the signature .* does not verify/)
        expect((await verify(golden, 'not a checkpoint\n')).problems[0]).toMatch(/^saved checkpoint: not a signed note/)
      })
    })
  })
}

describe('verifyAuditLog in worker threads on the smallest logs', () => {
  it('an empty log and a log of one record both verify, and an edit to the one record is caught', async () => {
    const file = join(dir, 'small.db')
    const {db, log} = await openLog(file, signer)
    const options = {pageSize: 7, parallelFrom: 0}
    expect(await verifySqlite(db, signer.publicKey, options)).toMatchObject({ok: true, records: 0, problems: []})
    await appendMany(log, 1, 1)
    const head = await log.checkpoint()
    expect(await verifySqlite(db, signer.publicKey, options)).toMatchObject({ok: true, records: 1, rootHash: head.rootHash.toString('base64')})
    editLeaf(db, 1, {outcome: 'denied'})
    const result = await verifySqlite(db, signer.publicKey, options)
    expect(result.firstBadRecord).toMatchObject({seq: 1, reason: expect.stringMatching(/altered/)})
    db.close()
  })
})

describe('verifyAuditLog in worker threads hashing page subtrees', () => {
  const subtrees = {pageSize: 8, parallelFrom: 0}
  const run = async (file: string, options: VerifyOptions, since?: string): Promise<Omit<VerifyResult, 'seconds' | 'ratePerSecond'>> => {
    const db = openDatabase(file, {readonly: true})
    try {
      const {seconds, ratePerSecond, ...result} = await verifySqlite(db, signer.publicKey, {sinceCheckpoint: since, ...options})
      expect(seconds).toBeGreaterThanOrEqual(0)
      expect(ratePerSecond === undefined || ratePerSecond > 0).toBe(true)
      return result
    } finally {
      db.close()
    }
  }

  it('checks a checkpoint inside a page and a saved one at another size inside a page', async () => {
    // 10, 20, 30 fall inside 8-record pages, and so do the signed and the saved checkpoint at 29.
    const file = join(dir, 'cut-29.db')
    const {db, log} = await openLog(file, signer)
    await appendMany(log, 1, 29)
    const at29 = (await log.checkpoint()).note
    await appendMany(log, 30, 40)
    db.close()
    const fine = await run(file, subtrees, at29)
    expect(fine).toMatchObject({ok: true, records: 40, problems: []})
    // Rewrite record 27 with a matching leaf hash: only the roots at 29 and 30 (inside pages) can tell.
    const edited = tampered((raw) => {
      editLeaf(raw, 27, {actor_name: 'nobody'})
      rehash(raw, 27)
    }, file)
    const result = await run(edited, subtrees, at29)
    expect(result.problems).toEqual([
      'the records do not reproduce the signed checkpoint at size 29: records 21–29 were altered, removed or reordered',
      'the records do not reproduce the saved checkpoint at size 29: records 21–29 were altered, removed or reordered',
      'the records do not reproduce the signed checkpoint at size 30: records 21–30 were altered, removed or reordered',
      'the records do not reproduce the signed checkpoint at size 40: records 21–40 were altered, removed or reordered',
    ])
    expect(result).toEqual(await run(edited, {}, at29))
  })

  it('a tampered record in a page that also holds a checkpoint: the page is rebuilt from leaves, same result', async () => {
    // Record 18 sits in page 17–24 with the checkpoint at 20; its leaf hash no longer matches.
    const file = tampered((db) => editLeaf(db, 18, {outcome: 'denied'}))
    const result = await run(file, subtrees, savedAt50)
    expect(result.firstBadRecord).toMatchObject({seq: 18, reason: expect.stringMatching(/altered/)})
    expect(result.problems[1]).toBe('the records do not reproduce the signed checkpoint at size 20: records 11–20 were altered, removed or reordered')
    expect(result).toEqual(await run(file, {}, savedAt50))
  })

  it('reports exactly what the sequential path reports, for several tampered logs', async () => {
    const logs = [
      golden,
      oldBackup,
      tampered((db) => [3, 9, 16, 33].forEach((seq) => editLeaf(db, seq, {target: 'x'}))),
      tampered((db) => {
        for (const seq of [8, 9, 41]) {
          editLeaf(db, seq, {role: 'admin'})
          rehash(db, seq)
        }
      }),
      tampered((db) => db.prepare('DELETE FROM audit_records WHERE seq > 44').run()),
      tampered((db) => db.prepare("UPDATE audit_records SET leaf_hash = zeroblob(32) WHERE seq = 32").run()),
    ]
    for (const file of logs) {
      for (const since of [undefined, savedAt50]) {
        const sequential = await run(file, {pageSize: 8}, since)
        for (const pageSize of [8, 32]) expect(await run(file, {pageSize, parallelFrom: 0}, since)).toEqual(sequential)
      }
    }
  })
})
