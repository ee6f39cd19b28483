import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {AuditLog} from '../../src/lib/audit/log.js'
import {rootOf} from '../../src/lib/audit/merkle.js'
import {openCheckpoint} from '../../src/lib/audit/note.js'
import {leafHashOfRecord} from '../../src/lib/audit/record.js'
import {verifyConsistencyBundle, verifyInclusionBundle} from '../../src/lib/audit/verify.js'
import {auditLeafHashes, countAuditRecords, listCheckpoints, queryAuditRecords} from '../../src/lib/store/audit.js'
import type {Db} from '../../src/lib/store/db.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {appendMany, editLeaf, newSigner, openLog, ORIGIN, rehashLeaf, sampleInput, tempDir, verifySqlite} from './helpers.js'

let dir: string
let cleanup: () => void
let db: Db
let store: SqliteStore
let log: AuditLog
const signer = newSigner()

beforeEach(async () => {
  ;({dir, cleanup} = tempDir())
  ;({db, store, log} = await openLog(join(dir, 'rtcc.db'), signer))
})
afterEach(() => {
  db.close()
  cleanup()
})

describe('AuditLog', () => {
  it('appends records with consecutive seqs and stores every field as given', async () => {
    const first = await log.append(sampleInput(0))
    const second = await log.append(sampleInput(5))
    expect(first.seq).toBe(1)
    expect(second.seq).toBe(2)
    expect(first.id).toMatch(/^aud_[0-9a-z]{26}$/)
    expect(second).toMatchObject({...sampleInput(5), seq: 2})
    expect(queryAuditRecords(db)).toEqual([first, second])
    // The stored leaf hash is the hash of the record as read back.
    expect(auditLeafHashes(db, 0, 2)).toEqual([leafHashOfRecord(first), leafHashOfRecord(second)])
  })

  it('signs a checkpoint at every multiple of checkpointEvery, and on demand at shutdown', async () => {
    await appendMany(log, 1, 25)
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([10, 20])
    const final = await log.checkpoint()
    expect(final.size).toBe(25)
    expect(await log.checkpoint()).toEqual(final) // nothing new: no second checkpoint at the same size
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([10, 20, 25])
    const head = openCheckpoint(final.note, {publicKey: signer.publicKey, name: ORIGIN})
    expect(head).toEqual({origin: ORIGIN, size: 25, rootHash: rootOf(auditLeafHashes(db, 0, 25))})
  })

  it('signs checkpoints at exact multiples even when several commits land before afterCommit', async () => {
    for (let i = 1; i <= 23; i++) await log.append(sampleInput(i))
    const signed = await log.afterCommit()
    expect(signed?.size).toBe(20)
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([10, 20])
    expect(log.size).toBe(23)
  })

  it('leaves no record when the transaction holding the append rolls back, and later checkpoints still verify', async () => {
    db.exec('CREATE TABLE widgets (name TEXT)')
    await appendMany(log, 1, 8)
    await expect(
      store.transaction(async () => {
        db.prepare('INSERT INTO widgets VALUES (?)').run('w1')
        await log.append({action: 'widget.create', outcome: 'allowed', target: 'w1'})
        throw new Error('handler failed after auditing')
      }),
    ).rejects.toThrow('handler failed')
    await log.afterCommit()
    expect(countAuditRecords(db)).toBe(8)
    expect(db.prepare('SELECT count(*) FROM widgets').pluck().get()).toBe(0)
    expect(queryAuditRecords(db, {action: 'widget.create'})).toEqual([])

    // The change and its record commit together.
    const committed = await store.transaction(async () => {
      db.prepare('INSERT INTO widgets VALUES (?)').run('w2')
      return log.append({action: 'widget.create', outcome: 'allowed', target: 'w2'})
    })
    expect(committed.seq).toBe(9)
    await appendMany(log, 10, 21)
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([10, 20])
    const result = await verifySqlite(db, signer.publicKey)
    expect(result).toMatchObject({ok: true, records: 21, checkpoints: 2, problems: []})
  })

  it('takes the records it committed into its tree without reading them back, and never one that rolled back', async () => {
    let reads = 0
    const read = store.audit.auditLeavesAfter
    store.audit.auditLeavesAfter = (...args) => (reads++, read(...args))
    await appendMany(log, 1, 12)
    expect(reads).toBe(0)
    await expect(store.transaction(() => log.append(sampleInput(13)).then(() => Promise.reject(new Error('rolled back'))))).rejects.toThrow('rolled back')
    await log.afterCommit() // nothing of its own committed: it reads, and finds nothing
    expect([log.size, reads]).toEqual([12, 1])
    await appendMany(log, 14, 22)
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([10, 20])
    expect([log.size, reads]).toEqual([21, 1])
    expect((await log.checkpoint()).rootHash).toEqual(rootOf(auditLeafHashes(db, 0, 21)))
  })

  it('reads the records another process wrote to the same file: at once when its own do not follow on, and before signing', async () => {
    const other = await openLog(join(dir, 'rtcc.db'), signer) // as the CLI would, beside the server
    try {
      await appendMany(log, 1, 3)
      await appendMany(other.log, 4, 5) // seqs 4 and 5, written behind log's back
      await appendMany(log, 6, 6) // seq 6 does not follow log's tree (3): it reads 4–6
      expect(log.size).toBe(6)
      await appendMany(other.log, 7, 7)
      expect(log.size).toBe(6)
      const head = await log.checkpoint() // signs only over what it has read, and reads first
      expect(head.size).toBe(7)
      expect(head.rootHash).toEqual(rootOf(auditLeafHashes(db, 0, 7)))
      await appendMany(log, 8, 8)
      expect(log.size).toBe(8)
    } finally {
      other.db.close()
    }
  })

  it('refuses to catch up or sign from inside a transaction', async () => {
    await store.transaction(async () => {
      await log.append(sampleInput(1))
      await expect(log.afterCommit()).rejects.toThrow(/outside a transaction/)
      await expect(log.checkpoint()).rejects.toThrow(/outside a transaction/)
      await expect(log.inclusionProof(1)).rejects.toThrow(/outside a transaction/)
    })
    expect(await log.afterCommit()).toBeUndefined()
    expect(log.size).toBe(1)
  })

  it('rejects malformed input before writing anything', async () => {
    await expect(log.append({action: '', outcome: 'allowed'})).rejects.toThrow(/action/)
    await expect(log.append({action: 'x', outcome: 'maybe' as never})).rejects.toThrow(/outcome/)
    await expect(log.append({action: 'x', outcome: 'allowed', bytesIn: -1})).rejects.toThrow(/bytesIn/)
    await expect(log.append({action: 'x', outcome: 'allowed', time: '2026-11-01'})).rejects.toThrow(/time/)
    expect(countAuditRecords(db)).toBe(0)
  })

  it('rebuilds its tree head from the stored leaf hashes when reopened', async () => {
    await appendMany(log, 1, 17)
    const head = await log.checkpoint()
    db.close()
    ;({db, store, log} = await openLog(join(dir, 'rtcc.db'), signer))
    expect(log.size).toBe(17)
    expect(await log.checkpoint()).toEqual(head)
    await appendMany(log, 18, 30)
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([10, 17, 20, 30])
    expect((await verifySqlite(db, signer.publicKey)).ok).toBe(true)
  })

  it('refuses to open a log whose records no longer match its newest checkpoint', async () => {
    await appendMany(log, 1, 12)
    await log.checkpoint()
    editLeaf(db, 4, {action: 'camera.delete'})
    rehashLeaf(db, 4)
    await expect(AuditLog.open(store, {origin: ORIGIN, signer})).rejects.toThrow(/no longer reproduce the checkpoint signed at size 10 .*records 1–10 were altered/)
  })

  it('refuses to open a log that lost records a checkpoint covers', async () => {
    await appendMany(log, 1, 12)
    await log.checkpoint()
    db.prepare('DELETE FROM audit_records WHERE seq > 10').run()
    await expect(AuditLog.open(store, {origin: ORIGIN, signer})).rejects.toThrow(/checkpoint was signed at size 12: records were removed/)
  })

  it('proves any record is included in a signed checkpoint, signing one when the record is newer', async () => {
    await appendMany(log, 1, 37)
    for (const seq of [1, 2, 19, 30, 37]) {
      const bundle = await log.inclusionProof(seq)
      expect(bundle.treeSize).toBeGreaterThanOrEqual(seq)
      expect(verifyInclusionBundle(bundle, {publicKey: signer.publicKey})).toEqual({ok: true, problems: []})
    }
    expect(listCheckpoints(db).map((c) => c.size)).toEqual([10, 20, 30, 37])
    const byId = await log.inclusionProof(queryAuditRecords(db, {afterSeq: 4, limit: 1})[0]!.id)
    expect(byId.record.seq).toBe(5)

    const forged = {...byId, record: {...byId.record, outcome: 'denied' as const}}
    expect(verifyInclusionBundle(forged, {publicKey: signer.publicKey}).problems).toContain('the record does not hash to the proven leaf hash')
    const moved = {...byId, leafIndex: 5}
    expect(verifyInclusionBundle(moved, {publicKey: signer.publicKey}).ok).toBe(false)
    const otherKey = newSigner()
    expect(verifyInclusionBundle(byId, {publicKey: otherKey.publicKey}).ok).toBe(false)
    await expect(log.inclusionProof('aud_nonexistent')).rejects.toThrow(/no audit record/)
  })

  it('proves the current log extends a checkpoint saved earlier, and not one from another history', async () => {
    await appendMany(log, 1, 13)
    const saved = await log.checkpoint()
    await appendMany(log, 14, 41)
    const bundle = await log.consistencyProof(saved.size)
    expect(bundle).toMatchObject({fromSize: 13, toSize: 41})
    expect(verifyConsistencyBundle(saved.note, bundle, {publicKey: signer.publicKey})).toEqual({ok: true, problems: []})
    expect(verifyConsistencyBundle(saved.note, await log.consistencyProof(13, 20), {publicKey: signer.publicKey}).ok).toBe(true)

    // Another log signed with the same key, whose record 3 differs: same sizes, different history.
    const other = tempDir()
    const fork = await openLog(join(other.dir, 'fork.db'), signer)
    try {
      await appendMany(fork.log, 1, 2)
      await fork.log.append({...sampleInput(3), outcome: 'error'})
      await appendMany(fork.log, 4, 13)
      const forkSaved = await fork.log.checkpoint()
      expect(forkSaved.size).toBe(13)
      const result = verifyConsistencyBundle(forkSaved.note, bundle, {publicKey: signer.publicKey})
      expect(result.ok).toBe(false)
      expect(result.problems[0]).toMatch(/does not extend the saved checkpoint/)
    } finally {
      fork.db.close()
      other.cleanup()
    }
    await expect(log.consistencyProof(42)).rejects.toThrow(/cannot prove consistency from size 42/)
  })
})

describe('audit queries', () => {
  it('filters by actor, action, target, outcome and time, and pages with afterSeq', async () => {
    await appendMany(log, 0, 29)
    const all = queryAuditRecords(db)
    expect(all).toHaveLength(30)
    expect(queryAuditRecords(db, {actor: 'bob'}).every((r) => r.actorName === 'bob')).toBe(true)
    expect(queryAuditRecords(db, {actor: 'usr_02'})).toEqual(queryAuditRecords(db, {actor: 'bob'}))
    expect(queryAuditRecords(db, {action: 'user.create'}).map((r) => r.seq)).toEqual([2, 6, 10, 14, 18, 22, 26, 30])
    expect(queryAuditRecords(db, {action: 'user.*'})).toEqual(queryAuditRecords(db, {action: 'user.create'}))
    expect(queryAuditRecords(db, {action: 'user_*'})).toEqual([]) // "_" is literal, not a wildcard
    expect(queryAuditRecords(db, {outcome: 'denied'}).map((r) => r.seq)).toEqual([4, 11, 18, 25])
    expect(queryAuditRecords(db, {target: 'cam_0007'}).map((r) => r.seq)).toEqual([8])
    const since = all[10]!.time
    const until = all[20]!.time
    expect(queryAuditRecords(db, {since, until}).map((r) => r.seq)).toEqual(all.slice(10, 20).map((r) => r.seq))
    expect(queryAuditRecords(db, {limit: 3}).map((r) => r.seq)).toEqual([28, 29, 30]) // the most recent, oldest first
    expect(queryAuditRecords(db, {afterSeq: 27}).map((r) => r.seq)).toEqual([28, 29, 30])
    expect(queryAuditRecords(db, {afterSeq: 5, limit: 2}).map((r) => r.seq)).toEqual([6, 7])
    expect(queryAuditRecords(db, {actor: 'alice', outcome: 'denied'}).map((r) => r.seq)).toEqual([4, 25])
  })
})
