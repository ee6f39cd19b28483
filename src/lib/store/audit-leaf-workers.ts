/**
 * Reads and hashes the records of a SQLite audit file in worker threads, so that `audit verify --db`
 * overlaps reading rows (about half its time) with hashing them: each worker opens its own read-only
 * connection and takes every W-th page of seqs, renders each row with SQLite's json_array (as
 * auditRowTextPage does) and hashes it (verify.ts's hashTextPage, restated in the worker's script).
 * For a page of a power of two records it posts back the root of the page's Merkle subtree (plus what
 * each checkpoint inside the page needs), else the leaf hashes as one hex string: the main thread
 * appends one subtree per page and checks roots, next to no work per record.
 *
 * Only for a log whose seqs run 1…size without a gap (checked by the caller over its snapshot), read
 * up to `size`: records are append-only, so every connection sees the same rows ≤ size. A worker
 * whose page does not hold exactly the expected seqs, or cannot render it (a BLOB in a text column),
 * reports the page as failed and the caller reads it the canonical way.
 *
 * The worker is a short CommonJS script run with `eval`: it then runs the same under tsx, vitest and
 * the built dist/, with no loader to register in the thread.
 */
import {createRequire} from 'node:module'
import {Worker} from 'node:worker_threads'

import {isPowerOfTwo} from '../audit/merkle.js'
import {pagesInOrder, type LeafHashPage} from '../audit/verify.js'
import {AUDIT_ROW_TEXT_SQL} from './audit.js'


// For a complete page (a power of two records, so aligned) the worker also builds the page's Merkle
// subtree, keeping the stack of perfect-subtree roots as MerkleAccumulator does; that stack at a cut
// (an expected checkpoint size inside the page) is what main needs for that checkpoint's root. Node
// hashing restates merkle.ts's hashChildrenHex (RFC 6962: SHA-256(0x01 || left || right)).
const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads')
const {hash} = require('node:crypto')
const Database = require(workerData.driver)
const db = new Database(workerData.file, {readonly: true, fileMustExist: true})
const page = db.prepare(workerData.sql).pluck()
const seqOf = (text) => Number(text.slice(1, text.indexOf(',')))
const HEX = new Uint8Array(128)
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i
const scratch = Buffer.alloc(65, 1)
const writeHex = (hex, offset) => {
  for (let i = 0; i < 32; i++) scratch[offset + i] = (HEX[hex.charCodeAt(2 * i)] << 4) | HEX[hex.charCodeAt(2 * i + 1)]
}
const node = (left, right) => {
  writeHex(left, 1)
  writeHex(right, 33)
  return hash('sha256', scratch, 'hex')
}
parentPort.on('message', ({after, count, subtree, cuts}) => {
  let texts
  try {
    texts = page.all(after, count)
  } catch {
    texts = undefined
  }
  if (!texts || texts.length !== count || seqOf(texts[0]) !== after + 1 || seqOf(texts[count - 1]) !== after + count) {
    parentPort.postMessage({after, count, suspects: []})
    return
  }
  let hashes = ''
  const suspects = []
  const stack = []
  const frontiers = []
  for (let i = 0, c = 0; i < count; i++) {
    const text = texts[i]
    const split = text.length - 64
    const leaf = hash('sha256', '\\u0000' + text.slice(0, split), 'hex')
    if (leaf !== text.slice(split)) suspects.push(after + i + 1)
    hashes += leaf
    if (!subtree) continue
    let top = leaf
    for (let bits = i; bits & 1; bits >>= 1) top = node(stack.pop(), top)
    stack.push(top)
    if (cuts[c] === after + i + 1) frontiers.push({size: cuts[c++], roots: [...stack]})
  }
  if (subtree && suspects.length === 0) parentPort.postMessage({after, count, suspects, root: stack[0], frontiers})
  else parentPort.postMessage({after, count, hashes, suspects})
})
`

const driver = createRequire(import.meta.url).resolve('better-sqlite3')

/**
 * Leaf-hash pages of records 1…size in seq order, computed by `workers` threads reading `file`.
 * Keeps two pages per worker in flight, so memory stays bounded whatever the log's size.
 */
export async function* leafHashPagesInWorkers(
  file: string,
  size: number,
  pageSize: number,
  cuts: readonly number[] = [],
  workers = 2,
): AsyncGenerator<LeafHashPage> {
  const pages = Math.ceil(size / pageSize)
  const sortedCuts = [...new Set(cuts)].sort((a, b) => a - b)
  const threads = Array.from({length: Math.min(workers, pages)}, () => new Worker(WORKER_SOURCE, {eval: true, workerData: {file, driver, sql: AUDIT_ROW_TEXT_SQL}}))
  const pending = new Map<number, {resolve: (page: LeafHashPage) => void; reject: (error: Error) => void}>()
  const failAll = (error: Error): void => {
    for (const waiter of pending.values()) waiter.reject(error)
    pending.clear()
  }
  for (const thread of threads) {
    thread.on('message', (page: LeafHashPage) => {
      pending.get(page.after)?.resolve(page)
      pending.delete(page.after)
    })
    thread.on('error', failAll)
  }
  const start = (index: number): Promise<LeafHashPage> => {
    const after = index * pageSize
    const result = new Promise<LeafHashPage>((resolve, reject) => pending.set(after, {resolve, reject}))
    result.catch(() => undefined) // a page abandoned when verification stops is not an unhandled rejection
    const count = Math.min(pageSize, size - after)
    // A page of a power of two records starts at a multiple of its size: its subtree is one of the tree's.
    const subtree = count === pageSize && isPowerOfTwo(pageSize)
    const inside = subtree ? sortedCuts.filter((cut) => cut > after && cut < after + count) : []
    threads[index % threads.length]!.postMessage({after, count, subtree, cuts: inside})
    return result
  }
  try {
    yield* pagesInOrder(pages, 2 * threads.length, start)
  } finally {
    failAll(new Error('verification stopped'))
    await Promise.all(threads.map((thread) => thread.terminate()))
  }
}
