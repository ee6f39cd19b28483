import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hashChildren, rootOf} from '../../src/lib/audit/merkle.js'
import type {LeafHashPage, VerifyOptions, VerifyResult} from '../../src/lib/audit/verify.js'
import {auditLeafHashes} from '../../src/lib/store/audit.js'
import {AuditLog} from '../../src/lib/audit/log.js'
import {verifyAuditLog} from '../../src/lib/audit/verify.js'
import {leafHashPagesInWorkers} from '../../src/lib/store/audit-leaf-workers.js'
import {sqlitePageReader} from '../../src/lib/store/audit-reader.js'
import {openDatabase} from '../../src/lib/store/db.js'
import {withPostgresAuditSnapshot} from '../../src/lib/store/postgres/audit-reader.js'
import {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import {createTestDatabase} from '../helpers/database.js'
import {appendMany, editStoredLeaf, newSigner, openLog, ORIGIN, sampleInput, tempDir, verifySqlite} from './helpers.js'

// The verify workers read a page as one BLOB of the newline-separated stored leaves plus one BLOB of the
// stored leaf hashes (audit-leaf-workers.ts). These tests feed them the records most likely to break
// that format (every character JSON escapes, newlines in text, non-BMP characters) and stored values
// that do not fit it, and check they agree with the row-by-row path.
const signer = newSigner()
let dir: string
let cleanup: () => void
let file: string
const RECORDS = 20

const TRICKY = ['line\nbreak', 'quote " backslash \\ slash /', 'tab\tcr\rff\fbs\b', '\u0001\u001f\u007f', 'é ü ß \u2028\u2029 🚓 中文', '\n[999,"fake"]\n', '']

async function appendTricky(log: AuditLog): Promise<void> {
  for (let i = 1; i <= RECORDS; i++) {
    const text = TRICKY[i % TRICKY.length]!
    await log.append({...sampleInput(i), actorName: text, target: `${text}${i}`, requestId: text || null, detail: {text, list: [text, i, null, true], n: -i * 1.5}})
    await log.afterCommit()
  }
}

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  file = join(dir, 'tricky.db')
  const {db, log} = await openLog(file, signer, 4)
  await appendTricky(log)
  db.close()
})
afterAll(() => cleanup())

async function pagesOf(path: string, pageSize: number, cuts: number[] = [], records = RECORDS): Promise<LeafHashPage[]> {
  const pages: LeafHashPage[] = []
  for await (const page of leafHashPagesInWorkers(sqlitePageReader(path), records, pageSize, cuts)) pages.push(page)
  return pages
}

function storedLeaves(path: string, records = RECORDS): Buffer[] {
  const db = openDatabase(path, {readonly: true})
  try {
    return auditLeafHashes(db, 0, records)
  } finally {
    db.close()
  }
}

/** The roots of the perfect subtrees covering leaves[0…size), largest first (a frontier's roots). */
function frontierOf(leaves: readonly Buffer[], size: number): string[] {
  const roots: string[] = []
  for (let at = 0, span = 2 ** Math.floor(Math.log2(size)); at < size; span /= 2) {
    if (at + span > size) continue
    roots.push(rootOf(leaves.slice(at, at + span)).toString('hex'))
    at += span
  }
  return roots
}

async function verify(path: string, options: VerifyOptions): Promise<Omit<VerifyResult, 'seconds' | 'ratePerSecond'>> {
  const db = openDatabase(path, {readonly: true})
  try {
    const {seconds, ratePerSecond, ...result} = await verifySqlite(db, signer.publicKey, options)
    expect(seconds).toBeGreaterThanOrEqual(0)
    expect(ratePerSecond === undefined || ratePerSecond > 0).toBe(true)
    return result
  } finally {
    db.close()
  }
}

describe('verify worker pages', () => {
  it('hash records holding every character JSON escapes without a suspect, to the stored leaves and subtree roots', async () => {
    const leaves = storedLeaves(file)
    // 4-record pages: whole subtrees (root, and the frontier at the cut 7 inside the second page).
    const subtrees = await pagesOf(file, 4, [7])
    expect(subtrees.map((page) => [page.after, page.count, page.suspects])).toEqual([0, 4, 8, 12, 16].map((after) => [after, 4, []]))
    subtrees.forEach((page, i) => expect(page.root).toBe(rootOf(leaves.slice(4 * i, 4 * i + 4)).toString('hex')))
    expect(subtrees[1]!.frontiers).toEqual([{size: 7, roots: [hashChildren(leaves[4]!, leaves[5]!).toString('hex'), leaves[6]!.toString('hex')]}])
    // 6-record pages: leaf hashes, the last page short.
    const plain = await pagesOf(file, 6)
    expect(plain.map((page) => [page.after, page.count, page.suspects, page.root])).toEqual([0, 6, 12, 18].map((after) => [after, Math.min(6, RECORDS - after), [], undefined]))
    expect(plain.map((page) => page.hashes).join('')).toBe(Buffer.concat(leaves).toString('hex'))
    for (const pageSize of [4, 6]) expect(await verify(file, {pageSize, parallelFrom: 0})).toMatchObject({ok: true, records: RECORDS, problems: []})
  })

  it('hash pages of many blocks (256 records each) and chunks (1024) to their subtree roots, with frontiers at, beside and between block ends', async () => {
    const path = join(dir, 'blocks.db')
    const {db, log} = await openLog(path, signer, 10_000)
    await appendMany(log, 1, 1100)
    db.close()
    const leaves = storedLeaves(path, 1100)
    // 512-record pages: 1…512 and 513…1024 are subtrees, 1025…1100 is not; the cuts inside them end frontiers.
    const cuts = [1, 255, 256, 257, 511, 512 + 300, 1024 + 10]
    const pages = await pagesOf(path, 512, cuts, 1100)
    expect(pages.map((page) => [page.after, page.count, page.suspects])).toEqual([0, 512, 1024].map((after) => [after, Math.min(512, 1100 - after), []]))
    pages.slice(0, 2).forEach((page, i) => expect(page.root).toBe(rootOf(leaves.slice(512 * i, 512 * (i + 1))).toString('hex')))
    const expected = (after: number) =>
      cuts.filter((cut) => cut > after && cut < after + 512).map((size) => ({size, roots: frontierOf(leaves.slice(after), size - after)}))
    expect(pages[0]!.frontiers).toEqual(expected(0))
    expect(pages[1]!.frontiers).toEqual(expected(512))
    expect(pages[2]!.hashes).toBe(Buffer.concat(leaves.slice(1024)).toString('hex'))
    // One page read in two chunks (1024 + 76 records), joined by the reader.
    const [whole] = await pagesOf(path, 2048, [], 1100)
    expect([whole!.suspects, whole!.hashes]).toEqual([[], Buffer.concat(leaves).toString('hex')])
    expect(await verify(path, {pageSize: 512, parallelFrom: 0})).toMatchObject({ok: true, records: 1100, problems: []})
  })

  it('name the same records as the canonical path for stored values that do not fit the page format', async () => {
    const copy = join(dir, 'tampered.db')
    const db = new Database(file)
    await db.backup(copy)
    db.close()
    const raw = new Database(copy)
    raw.prepare('UPDATE audit_records SET leaf_hash = CAST(leaf_hash AS TEXT) WHERE seq = 2').run() // the right bytes, but not a BLOB
    raw.prepare("UPDATE audit_records SET leaf_hash = CAST(zeroblob(32) AS TEXT) WHERE seq = 3").run() // 32 bytes, as text, wrong
    raw.prepare("UPDATE audit_records SET leaf_hash = leaf_hash || x'0a' WHERE seq = 5").run() // 33 bytes, one a newline
    // Still JSON, so SQLite stores it: a raw newline (between tokens) and a value that is not UTF-8.
    raw.prepare("UPDATE audit_records SET leaf = '[' || char(10) || substr(json_set(leaf, '$[7]', CAST(x'ff41' AS TEXT)), 2) WHERE seq = 9").run()
    raw.prepare('UPDATE audit_records SET leaf = CAST(leaf AS BLOB) WHERE seq = 14').run() // its very bytes, as a BLOB (read as JSONB)
    raw.close()
    const canonical = await verify(copy, {pageSize: 4})
    expect(canonical.problems.filter((p) => p.startsWith('record ')).map((p) => p.split(' ')[1])).toEqual(['2', '3', '5', '9', '14'])
    for (const pageSize of [4, 6, 32]) expect(await verify(copy, {pageSize, parallelFrom: 0})).toEqual(canonical)
    const pages = await pagesOf(copy, 4)
    expect(pages.map((page) => page.suspects)).toEqual([[2, 3], [5], [], [14], []])
    expect(pages[2]!.hashes).toBeUndefined() // the newline splits a leaf in two: the page is read again row by row
  })
})

describe('verify worker pages on PostgreSQL (COPY … FORMAT binary on the exported snapshot)', () => {
  it('verify the same records, and name the same altered ones, as the canonical path', async () => {
    const database = await createTestDatabase()
    const store = await PgStore.open(database.url)
    try {
      await appendTricky(await AuditLog.open(store, {origin: ORIGIN, signer, checkpointEvery: 4}))
      const run = (options: VerifyOptions) =>
        withPostgresAuditSnapshot(database.url, async (reader) => {
          const {seconds, ratePerSecond, ...result} = await verifyAuditLog(reader, signer.publicKey, options)
          expect(seconds).toBeGreaterThanOrEqual(0)
          expect(ratePerSecond === undefined || ratePerSecond > 0).toBe(true)
          return result
        })
      for (const pageSize of [4, 6]) expect(await run({pageSize, parallelFrom: 0})).toMatchObject({ok: true, records: RECORDS, problems: []})
      // The fast path itself: no suspect, the stored leaves' subtree roots (not a canonical fallback).
      const leaves = (await store.pool.query({text: 'SELECT leaf_hash FROM audit_records ORDER BY seq', rowMode: 'array'})).rows.map((row) => row[0] as Buffer)
      const pages = await withPostgresAuditSnapshot(database.url, async (reader) => {
        const found: LeafHashPage[] = []
        for await (const page of reader.leafHashPages!(RECORDS, 4, [])) found.push(page)
        return found
      })
      expect(pages.map((page) => [page.suspects, page.root])).toEqual([0, 1, 2, 3, 4].map((i) => [[], rootOf(leaves.slice(4 * i, 4 * i + 4)).toString('hex')]))
      await editStoredLeaf(store, 3, {target: 'line\nbreak'}) // escaped in the leaf
      await store.pool.query("UPDATE audit_records SET leaf = '[' || chr(10) || substr(leaf, 2) WHERE seq = 4") // a raw newline, still JSON
      await store.pool.query("UPDATE audit_records SET leaf_hash = leaf_hash || '\\x0a'::bytea WHERE seq = 6")
      await editStoredLeaf(store, 13, {detail: '{"forged":true}'})
      const canonical = await run({pageSize: 4})
      expect(canonical.problems.filter((p) => p.startsWith('record ')).map((p) => p.split(' ')[1])).toEqual(['3', '4', '6', '13'])
      for (const pageSize of [4, 6, 32]) expect(await run({pageSize, parallelFrom: 0})).toEqual(canonical)
    } finally {
      await store.close()
      await database.drop()
    }
  })
})
