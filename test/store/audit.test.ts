/**
 * The audit repository on both backends: the same appends give the same seqs, leaf hashes, query
 * answers, raw rows and checkpoints; verify reads either one; on PostgreSQL, appenders on separate
 * pools (as several server instances would be) keep one gap-free order, and a row edited with plain
 * SQL is named by `rtcc audit verify --database`.
 */
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {cosign, coreCosignerName} from '../../src/lib/audit/cosignature.js'
import {AuditLog} from '../../src/lib/audit/log.js'
import {rootOf} from '../../src/lib/audit/merkle.js'
import {openCheckpoint} from '../../src/lib/audit/note.js'
import {leafHashOfRecord, leafJson} from '../../src/lib/audit/record.js'
import {verifyAuditLog, verifyConsistencyBundle, verifyInclusionBundle} from '../../src/lib/audit/verify.js'
import {withPostgresAuditSnapshot} from '../../src/lib/store/postgres/audit-reader.js'
import {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {runCli} from '../helpers/cli.js'
import {createTestDatabase, type TestDatabase} from '../helpers/database.js'
import {sqlOne} from '../helpers/sql.js'
import {BACKENDS, openBackend, type OpenedStore} from './backends.js'
import {editStoredLeaf, sampleInput} from '../audit/helpers.js'

const ORIGIN = 'rtcc.test/audit'
const {privateKey, publicKey} = generateKeyPairSync('ed25519')
const signer = {name: ORIGIN, privateKey, publicKey}


/** Plain SQL on the backend's own connection, as someone with database access would run it. */
async function sql(store: SqliteStore | PgStore, text: string): Promise<void> {
  if (store instanceof PgStore) await store.pool.query(text)
  else store.db.exec(text)
}

describe.each(BACKENDS)('the audit repository on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  let log: AuditLog
  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
    log = await AuditLog.open(store, {origin: ORIGIN, signer, checkpointEvery: 10})
  })
  afterAll(() => opened?.close())

  const verify = () => store.transaction(() => verifyAuditLog(store.audit, publicKey))

  it('appends in order, each record stored as given with the leaf hash of what reads back', async () => {
    const appended = []
    for (let i = 0; i < 30; i++) {
      appended.push(await log.append(sampleInput(i)))
      await log.afterCommit()
    }
    expect(appended.map((r) => r.seq)).toEqual(Array.from({length: 30}, (_, i) => i + 1))
    expect(appended[5]).toMatchObject({...sampleInput(5), seq: 6})
    expect(await store.audit.queryAuditRecords({afterSeq: 0, limit: 30})).toEqual(appended)
    expect(await store.audit.auditLeafHashes(0, 30)).toEqual(appended.map(leafHashOfRecord))
    expect(await store.audit.getAuditRecord(6)).toEqual(appended[5])
    expect(await store.audit.getAuditRecord(appended[5]!.id)).toEqual(appended[5])
    expect(await store.audit.getAuditRecord('aud_none')).toBeUndefined()
    expect(await store.audit.countAuditRecords()).toBe(30)
    expect(await store.audit.lastAuditSeq()).toBe(30)
    expect(log.size).toBe(30)
  })

  it('answers the same queries: actor, action prefix, target, outcome, time range, paging', async () => {
    const all = await store.audit.queryAuditRecords()
    expect(all.map((r) => r.seq)).toEqual(Array.from({length: 30}, (_, i) => i + 1))
    const q = (query: Parameters<typeof store.audit.queryAuditRecords>[0]) => store.audit.queryAuditRecords(query).then((rows) => rows.map((r) => r.seq))
    expect(await q({actor: 'usr_02'})).toEqual(await q({actor: 'bob'}))
    expect(await q({action: 'user.create'})).toEqual([2, 6, 10, 14, 18, 22, 26, 30])
    expect(await q({action: 'user.*'})).toEqual([2, 6, 10, 14, 18, 22, 26, 30])
    expect(await q({action: 'user_*'})).toEqual([])
    expect(await q({outcome: 'denied'})).toEqual([4, 11, 18, 25])
    expect(await q({target: 'cam_0007'})).toEqual([8])
    expect(await q({since: all[10]!.time, until: all[20]!.time})).toEqual(all.slice(10, 20).map((r) => r.seq))
    expect(await q({limit: 3})).toEqual([28, 29, 30])
    expect(await q({afterSeq: 5, limit: 2})).toEqual([6, 7])
    expect(await q({actor: 'alice', outcome: 'denied'})).toEqual([4, 25])
  })

  it('hands out stored leaves as the bytes hashed, awkward text included, and shows columns generated from them', async () => {
    const [row] = await store.audit.auditLeafPage(5, 1)
    const record = (await store.audit.getAuditRecord(6))!
    expect(row).toEqual([6, Buffer.from(leafJson(record)), leafHashOfRecord(record)])
    const tricky = await log.append({action: 'x "quoted" \\ back/slash', outcome: 'error', target: '\u0001\b\t\n\f\r\u001f\u007f\u2028😀 Café 東京', actorName: 'bad \ud800 surrogate', detail: {'é': '\u0000', s: '</script>'}})
    await log.afterCommit()
    const [leaf] = await store.audit.auditLeafPage(tricky.seq - 1, 1)
    expect(leaf).toEqual([tricky.seq, Buffer.from(leafJson(tricky)), leafHashOfRecord(tricky)])
    expect(await sqlOne(store, 'SELECT id, actor_name, action, target, outcome, bytes_in, detail FROM audit_records WHERE seq = ?', [tricky.seq])).toEqual({
      id: tricky.id,
      actor_name: 'bad \ufffd surrogate',
      action: tricky.action,
      target: tricky.target,
      outcome: 'error',
      bytes_in: null,
      detail: JSON.stringify({s: '</script>', 'é': '\u0000'}),
    })
    expect(await store.audit.auditSchemaProblems()).toEqual([])
    expect(await store.audit.auditSeqsContiguous()).toBe(true)
    expect(await store.audit.auditSeqBreaks()).toEqual([])
  })

  it('signs checkpoints at each multiple, keeps them with the same shapes, and proves against them', async () => {
    const checkpoints = await store.audit.listCheckpoints()
    expect(checkpoints.map((c) => c.size)).toEqual([10, 20, 30])
    expect(Buffer.isBuffer(checkpoints[0]!.rootHash)).toBe(true)
    expect(checkpoints[0]!.rootHash).toEqual(rootOf(await store.audit.auditLeafHashes(0, 10)))
    expect(openCheckpoint(checkpoints[1]!.note, {publicKey}).size).toBe(20)
    expect(await store.audit.getCheckpoint(20)).toEqual(checkpoints[1])
    expect(await store.audit.getCheckpoint(21)).toBeUndefined()
    const head = await log.checkpoint()
    expect(head.size).toBe(31)
    expect(await store.audit.latestCheckpoint()).toEqual(head)
    // Storing the same signed size again (another instance got there first) keeps one row.
    await store.audit.insertCheckpoint({...head, createdAt: new Date().toISOString()}).catch(() => undefined)
    expect((await store.audit.listCheckpoints()).map((c) => c.size)).toEqual([10, 20, 30, 31])

    const inclusion = await log.inclusionProof(17)
    expect(verifyInclusionBundle(inclusion, {publicKey})).toEqual({ok: true, problems: []})
    const consistency = await log.consistencyProof(10)
    expect(verifyConsistencyBundle(checkpoints[0]!.note, consistency, {publicKey})).toEqual({ok: true, problems: []})
  })

  it('stores one cosignature per witness and size, replacing a newer line, listed by cosigner', async () => {
    const note = (await store.audit.getCheckpoint(20))!.note
    const b = generateKeyPairSync('ed25519').privateKey
    const a = generateKeyPairSync('ed25519').privateKey
    const [nameB, nameA] = [coreCosignerName('cor_b'), coreCosignerName('cor_a')]
    await store.audit.upsertCosignature({size: 20, cosigner: nameB, line: cosign(note, nameB, b, 100).trim(), signedAt: 100})
    await store.audit.upsertCosignature({size: 20, cosigner: nameA, line: cosign(note, nameA, a, 100).trim(), signedAt: 100})
    const newer = cosign(note, nameB, b, 200).trim()
    await store.audit.upsertCosignature({size: 20, cosigner: nameB, line: newer, signedAt: 200})
    const lines = await store.audit.cosignatureLines(20)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toContain(nameA)
    expect(lines[1]).toBe(newer)
    expect(await store.audit.cosignatureLines(10)).toEqual([])
  })

  it('keeps no record of a transaction that rolls back', async () => {
    await expect(
      store.transaction(async () => {
        await log.append({action: 'widget.create', outcome: 'allowed', target: 'w1'})
        throw new Error('handler failed after auditing')
      }),
    ).rejects.toThrow('handler failed')
    await log.afterCommit()
    expect(await store.audit.queryAuditRecords({action: 'widget.create'})).toEqual([])
    const kept = await store.transaction(() => log.append({action: 'widget.create', outcome: 'allowed', target: 'w2'}))
    expect(kept.seq).toBe(32)
  })

  it('keeps one gap-free order under concurrent appends', async () => {
    const before = await store.audit.lastAuditSeq()
    const appended = await Promise.all(Array.from({length: 25}, (_, i) => store.transaction(() => log.append(sampleInput(100 + i)))))
    expect(appended.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({length: 25}, (_, i) => before + 1 + i))
    await log.afterCommit()
    expect(log.size).toBe(before + 25)
  })

  it('verifies, and names a record whose detail was edited with plain SQL', async () => {
    expect(await verify()).toMatchObject({ok: true, problems: []})
    await editStoredLeaf(store, 7, {detail: '{"reason":"nothing to see"}'})
    const result = await verify()
    expect(result.ok).toBe(false)
    expect(result.firstBadRecord).toMatchObject({seq: 7, reason: expect.stringMatching(/altered/)})
    await sql(store, 'DELETE FROM audit_records WHERE seq = 12')
    expect(await store.audit.auditSeqsContiguous()).toBe(false)
    expect(await store.audit.auditSeqBreaks()).toEqual([{seq: 13, id: expect.stringMatching(/^aud_/), previous: 11}])
  })
})

/** What someone with write access to the database does: change a record and make its leaf hash match. */
const forge = (store: SqliteStore | PgStore, seq: number): Promise<void> => editStoredLeaf(store, seq, {action: 'camera.delete'}, {rehash: true})

describe.each(BACKENDS)('the start-up check on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let dir: string
  beforeAll(async () => {
    opened = await openBackend(backend)
    dir = mkdtempSync(join(tmpdir(), 'rtcc-audit-start-'))
  })
  afterAll(async () => {
    await opened?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  it('refuses to open a log rewritten after it was signed, and one whose checkpoint rows were deleted', async () => {
    const store = opened.store
    const checkpointFile = join(dir, 'audit-checkpoint.note')
    const open = () => AuditLog.open(store, {origin: ORIGIN, signer, checkpointEvery: 10, checkpointFile})
    const log = await open()
    for (let i = 1; i <= 14; i++) {
      await log.append(sampleInput(i))
      await log.afterCommit()
    }
    await log.checkpoint()
    expect((await open()).size).toBe(14)
    await forge(store, 4)
    await expect(open()).rejects.toThrow(/REFUSING TO START: the stored audit records no longer reproduce the checkpoint signed at size 10 .*records 1–10 were altered/)
    await sql(store, 'DELETE FROM audit_checkpoints')
    await expect(open()).rejects.toThrow(/audit-checkpoint\.note holds the checkpoint signed at size 14 .*checkpoint rows were deleted/)
  })
})

describe('the audit log on one PostgreSQL database shared by two server instances', () => {
  let database: TestDatabase
  let one: PgStore
  let two: PgStore
  let dir: string
  beforeAll(async () => {
    database = await createTestDatabase()
    one = await PgStore.open(database.url, {max: 4})
    two = await PgStore.open(database.url, {max: 4})
    dir = mkdtempSync(join(tmpdir(), 'rtcc-audit-pg-'))
  })
  afterAll(async () => {
    await one?.close()
    await two?.close()
    await database?.drop()
    rmSync(dir, {recursive: true, force: true})
  })

  it('interleaves their appends into one order both trees agree on, and verify offline names an edited record', async () => {
    const [a, b] = [await AuditLog.open(one, {origin: ORIGIN, signer, checkpointEvery: 16}), await AuditLog.open(two, {origin: ORIGIN, signer, checkpointEvery: 16})]
    // Each instance's change and its record in one transaction; the other instance's appends land in between.
    await Promise.all(
      Array.from({length: 60}, (_, i) =>
        (i % 2 ? one : two).transaction(async () => {
          await (i % 2 ? a : b).append(sampleInput(i))
          if (i % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 2)) // hold the lock a while
        }),
      ),
    )
    await Promise.all([a.afterCommit(), b.afterCommit()])
    expect([a.size, b.size]).toEqual([60, 60])
    expect(await one.audit.auditSeqsContiguous()).toBe(true)
    expect((await a.checkpoint()).rootHash).toEqual((await b.checkpoint()).rootHash)
    expect((await one.audit.listCheckpoints()).map((c) => c.size)).toEqual([16, 32, 48, 60])
    expect(await one.transaction(() => verifyAuditLog(one.audit, publicKey))).toMatchObject({ok: true, records: 60})

    const pub = join(dir, 'audit-signing.pub')
    writeFileSync(pub, publicKey.export({format: 'pem', type: 'spki'}).toString())
    const clean = await runCli(['audit', 'verify', '--database', database.url, '--public-key', pub, '--json'])
    expect(clean.code).toBe(0)
    expect(clean.json()).toMatchObject({ok: true, records: 60, checkpoints: 4, mode: 'offline'})

    const {rows: [original]} = await one.pool.query('SELECT leaf FROM audit_records WHERE seq = 23')
    await editStoredLeaf(one, 23, {detail: '{"reason":"routine"}'})
    const id = (await one.audit.getAuditRecord(23))!.id
    const tampered = await runCli(['audit', 'verify', '--database', database.url, '--public-key', pub])
    expect(tampered.code).toBe(1)
    expect(tampered.stderr).toContain('FAILED')
    expect(tampered.stderr).toContain(`record seq 23 (${id})`)

    // The same verdict with the pages read over two connections sharing the snapshot (7-record pages,
    // so record 23 is in a page the second connection reads).
    const paged = await withPostgresAuditSnapshot(database.url, (reader) => verifyAuditLog(reader, publicKey, {pageSize: 7, parallelFrom: 0}))
    expect(paged).toMatchObject({ok: false, records: 60, firstBadRecord: {seq: 23, id}})
    await one.pool.query('UPDATE audit_records SET leaf = $1 WHERE seq = 23', [original.leaf])
    const restored = await withPostgresAuditSnapshot(database.url, (reader) => verifyAuditLog(reader, publicKey, {pageSize: 7, parallelFrom: 0}))
    expect(restored).toMatchObject({ok: true, records: 60, problems: []})
  }, 60_000)
})
