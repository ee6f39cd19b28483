/**
 * Reads and hashes the records of an audit log in worker threads, so that `audit verify` hashes on
 * every core and overlaps reading rows with hashing them. Each worker opens its own connection with a
 * backend's page reader (a SQLite file here; PostgreSQL in postgres/audit-reader.ts, on the verify
 * snapshot) and takes every W-th page of seqs. A page arrives as two values, not one per record:
 *
 * - `json`: each record's stored leaf data (record.ts), each preceded by one 0x0A byte. JSON text never
 *   holds a raw newline, so the separators are unambiguous (a leaf altered to hold one fails its page);
 *   the worker overwrites each with 0x00 and hashes `0x00 || leaf` in place (the RFC 6962 leaf input),
 *   with no JavaScript string.
 * - `hashes`: the stored leaf hashes, 32 bytes each in the same order (a value that is not a 32-byte
 *   BLOB arrives as 32 zero bytes, so it can only be a mismatch).
 *
 * For a page of a power of two records it posts back the root of the page's Merkle subtree (plus what
 * each checkpoint inside the page needs), else the leaf hashes as one hex string: the main thread
 * appends one subtree per page and checks roots, next to no work per record.
 *
 * Read up to `size` (the last seq): records are append-only, so every connection sees the same rows
 * ≤ size. A page that does not hold exactly the expected seqs in order (each leaf beginning with its
 * own seq) is reported as failed and the caller reads it again row by row (or, if the seqs have a gap,
 * the whole log in order); so pages that pass prove their seqs; any record whose leaf does not hash to
 * its stored leaf hash is reported as a suspect, read again and reported by the caller.
 *
 * The worker is a short CommonJS script run with `eval`: it then runs the same under tsx, vitest and
 * the built dist/, with no loader to register in the thread (and none inherited: execArgv is empty, as
 * a loader would only add to the thread's start-up, which verify waits for).
 */
import {Worker} from 'node:worker_threads'

import {isPowerOfTwo} from '../audit/merkle.js'
import {pagesInOrder, type LeafHashPage} from '../audit/verify.js'

/**
 * A backend's page reader, as CommonJS source for the worker: it must define
 * `openPageReader(data)`, returning (or resolving to) `{read(after, count), close()}`, where read
 * returns (or resolves to) `{json, hashes}` for the records after+1 … after+count, in the format
 * above, and close ends its connection.
 */
export interface PageReaderSource {
  source: string
  /** Passed to openPageReader (structured-cloned into the worker). */
  data: unknown
}

// The page hasher, shared by every backend. The subtree is built bottom-up in one 65-byte slot per
// level holding 0x01 || left || right (RFC 6962 node input): a node's digest is written into its
// parent level's slot, so no buffer is allocated per node. Digests are taken as latin1 strings (one
// char per byte): far cheaper than a Buffer per call, and compared byte by byte with the stored hash.
const PAGE_HASHER = `
const slots = []
const slotAt = (level) => slots[level] || (slots[level] = Buffer.alloc(65, 1))
const put = (digest, slot, offset) => {
  for (let k = 0; k < 32; k++) slot[offset + k] = digest.charCodeAt(k)
}
const sameHash = (digest, hashes, offset) => {
  for (let k = 0; k < 32; k++) if (digest.charCodeAt(k) !== hashes[offset + k]) return false
  return true
}
const frontier = (leaves) => {
  const roots = []
  for (let level = 31 - Math.clz32(leaves); level >= 0; level--) if ((leaves >>> level) & 1) roots.push(slots[level].toString('hex', 1, 33))
  return roots
}
function hashPage(json, hashes, after, count, subtree, cuts) {
  const failed = {after, count, suspects: []}
  if (!json || !hashes || hashes.length !== 32 * count) return failed
  const suspects = []
  const frontiers = []
  let at = 0
  for (let i = 0, c = 0; i < count; i++) {
    // A record: 0x0A, then "[<seq>," and the rest of its JSON up to the next 0x0A.
    if (json[at] !== 10 || json[at + 1] !== 91) return failed
    let seq = 0
    let k = at + 2
    for (let b = json[k]; b >= 48 && b <= 57; b = json[++k]) seq = seq * 10 + b - 48
    if (seq !== after + i + 1 || json[k] !== 44) return failed
    let end = json.indexOf(10, k)
    if (end < 0) end = json.length
    json[at] = 0
    const leaf = hash('sha256', new Uint8Array(json.buffer, json.byteOffset + at, end - at), 'latin1')
    at = end
    if (!sameHash(leaf, hashes, 32 * i)) suspects.push(seq)
    if (!subtree) continue
    let top = leaf
    let level = 0
    for (let bits = i; bits & 1; bits >>= 1, level++) {
      put(top, slots[level], 33)
      top = hash('sha256', slots[level], 'latin1')
    }
    put(top, slotAt(level), 1)
    if (cuts[c] === seq) frontiers.push({size: cuts[c++], roots: frontier(i + 1)})
  }
  if (at !== json.length) return failed
  if (!subtree || suspects.length > 0) return {after, count, hashes: hashes.toString('hex'), suspects}
  return {after, count, suspects, root: slots[31 - Math.clz32(count)].toString('hex', 1, 33), frontiers}
}
`

// Pages are read and hashed one after another, in the order asked: a reader may answer asynchronously.
const workerSource = (reader: string): string => `
const {parentPort, workerData} = require('node:worker_threads')
const {hash} = require('node:crypto')
${reader}
${PAGE_HASHER}
let queue = Promise.resolve(openPageReader(workerData))
parentPort.on('message', (message) => {
  if (message === 'stop') {
    // Pages still queued are read first; then the connection closes, the main thread is told (it need not
    // wait for the thread's own teardown) and, with nothing left, the thread ends.
    queue
      .then((reader) => reader.close())
      .catch(() => undefined)
      .finally(() => {
        parentPort.postMessage('closed')
        parentPort.close()
      })
    return
  }
  const {after, count, subtree, cuts} = message
  queue = queue.then(async (reader) => {
    let page
    try {
      page = await reader.read(after, count)
    } catch {
      page = undefined
    }
    parentPort.postMessage(page ? hashPage(page.json, page.hashes, after, count, subtree, cuts) : {after, count, suspects: []})
    return reader
  })
})
`

// Pages requested per worker ahead of the one being consumed: enough to keep the workers busy while the
// main thread checks checkpoint signatures. A worker holds one page's rows at a time and answers with a
// subtree root (or 64 hex digits per record), so memory stays small.
const AHEAD = 8
// Pages handed to a worker at a time: the one it hashes and the next, so it never waits for a message.
// The rest wait here and go to whichever worker finishes first: a worker that starts late or gets less
// CPU (a shared machine) takes fewer pages instead of holding up the end.
const HANDED = 2
/** How long a worker may take to close its connection when verification ends, before it is ended without. */
const STOP_MS = 5000

/**
 * Leaf-hash pages of records 1…size in seq order, computed by `workers` threads each reading with
 * `reader`, with AHEAD pages per worker in flight: memory stays bounded whatever the log's size.
 */
export async function* leafHashPagesInWorkers(
  reader: PageReaderSource,
  size: number,
  pageSize: number,
  cuts: readonly number[] = [],
  workers = 2,
): AsyncGenerator<LeafHashPage> {
  const pages = Math.ceil(size / pageSize)
  const sortedCuts = [...new Set(cuts)].sort((a, b) => a - b)
  const source = workerSource(reader.source)
  const threads = Array.from({length: Math.min(workers, pages)}, () => new Worker(source, {eval: true, workerData: reader.data, execArgv: []}))
  // A worker is done once it says its connection is closed (or it ended without saying so).
  const closed = threads.map((thread) => new Promise((resolve) => thread.once('exit', resolve).on('message', (m) => m === 'closed' && resolve(m))))
  const pending = new Map<number, {resolve: (page: LeafHashPage) => void; reject: (error: Error) => void}>()
  const failAll = (error: Error): void => {
    for (const waiter of pending.values()) waiter.reject(error)
    pending.clear()
  }
  /** Requested pages not yet handed to a worker (their messages), and how many each worker holds. */
  const waiting: object[] = []
  const handed = threads.map(() => 0)
  let requested = 0
  let stopping = false
  // Once every page is handed out, the workers are told to stop: each closes its connection after its
  // last page, while this thread takes the last pages, instead of after.
  const stop = (): void => {
    if (stopping) return
    stopping = true
    for (const thread of threads) thread.postMessage('stop')
  }
  const handOut = (): void => {
    // To the least busy worker first, so the first pages are hashed side by side.
    for (let i = 0; waiting.length > 0; ) {
      i = handed.indexOf(Math.min(...handed))
      if (handed[i]! >= HANDED) return
      threads[i]!.postMessage(waiting.shift())
      handed[i]!++
    }
    if (requested === pages) stop()
  }
  threads.forEach((thread, i) => {
    thread.on('message', (page: LeafHashPage | 'closed') => {
      if (page === 'closed') return
      handed[i]!--
      handOut()
      pending.get(page.after)?.resolve(page)
      pending.delete(page.after)
    })
    thread.on('error', failAll)
  })
  const start = (index: number): Promise<LeafHashPage> => {
    const after = index * pageSize
    const result = new Promise<LeafHashPage>((resolve, reject) => pending.set(after, {resolve, reject}))
    result.catch(() => undefined) // a page abandoned when verification stops is not an unhandled rejection
    const count = Math.min(pageSize, size - after)
    // A page of a power of two records starts at a multiple of its size: its subtree is one of the tree's.
    const subtree = count === pageSize && isPowerOfTwo(pageSize)
    const inside = subtree ? sortedCuts.filter((cut) => cut > after && cut < after + count) : []
    waiting.push({after, count, subtree, cuts: inside})
    requested++
    handOut()
    return result
  }
  try {
    yield* pagesInOrder(pages, AHEAD * threads.length, start)
  } finally {
    failAll(new Error('verification stopped'))
    // Asked to stop, each worker closes its connection itself: terminated, a PostgreSQL backend would log
    // the dropped connection.
    stop()
    await Promise.all(
      threads.map(async (thread, i) => {
        const timer = setTimeout(() => void thread.terminate(), STOP_MS)
        await closed[i]
        clearTimeout(timer)
        thread.unref() // its teardown does not keep the process
      }),
    )
  }
}
