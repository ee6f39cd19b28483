/**
 * Reads and hashes the records of an audit log in worker threads, so that `audit verify` hashes on
 * every core and overlaps reading rows with hashing them. Each worker opens its own connection with a
 * backend's page reader (a SQLite file here; PostgreSQL in postgres/audit-reader.ts, on the verify
 * snapshot) and claims pages of seqs from a counter the workers share. A page arrives as two values,
 * not one per record:
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

import type {LeafHashPage} from '../audit/verify.js'

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
// level holding 0x01 || left || right (RFC 6962 node input): a digest is written into its parent
// level's slot, so no buffer is allocated per node. Digests are taken as latin1 strings (one char per
// byte): far cheaper than a Buffer per call. A leaf's digest is compared with its stored hash in the
// same pass that writes it into the lowest slot.
//
// The loop over records is hashRecords, called for at most BLOCK records at a time and never across a
// frontier, with every slot allocated up front and the page passed as arguments (a page object's
// fields would be assumptions V8 invalidates): one long loop was compiled while running (on-stack
// replacement) before its rarer paths (a page's last record, a frontier, a new level) had run, then
// thrown away and compiled again each time one did. V8 compiled it 3-4 times per worker; now 1-2.
const PAGE_HASHER = `
const BLOCK = 256
const slots = Array.from({length: 32}, () => Buffer.alloc(65, 1))
const put = (digest, slot, offset) => {
  for (let k = 0; k < 32; k++) slot[offset + k] = digest.charCodeAt(k)
}
/** Writes a leaf digest into slot 0 at offset; returns whether it equals the stored hash at hashes[at…]. */
const putLeaf = (digest, offset, hashes, at) => {
  const slot = slots[0]
  let differ = 0
  for (let k = 0; k < 32; k++) {
    const byte = digest.charCodeAt(k)
    slot[offset + k] = byte
    differ |= byte ^ hashes[at + k]
  }
  return differ === 0
}
const frontier = (leaves) => {
  const roots = []
  for (let level = 31 - Math.clz32(leaves); level >= 0; level--) if ((leaves >>> level) & 1) roots.push(slots[level].toString('hex', 1, 33))
  return roots
}
/**
 * Hashes records i … to-1 of the page (hashPage's arguments), from byte at: checks each one's format and seq, hashes
 * its leaf, compares it with its stored hash (a mismatch is a suspect) and, for a subtree, adds it to
 * the slots. Returns the offset after them, or -1 if one is not in the page format.
 */
function hashRecords(json, hashes, after, subtree, suspects, i, to, at) {
  const {buffer, byteOffset, length} = json
  for (; i < to; i++) {
    // A record: 0x0A, then "[<seq>," and the rest of its JSON up to the next 0x0A.
    if (json[at] !== 10 || json[at + 1] !== 91) return -1
    let seq = 0
    let k = at + 2
    for (let b = json[k]; b >= 48 && b <= 57; b = json[++k]) seq = seq * 10 + b - 48
    if (seq !== after + i + 1 || json[k] !== 44) return -1
    const next = json.indexOf(10, k)
    const end = next < 0 ? length : next
    json[at] = 0
    const leaf = hash('sha256', new Uint8Array(buffer, byteOffset + at, end - at), 'latin1')
    at = end
    // A left child goes to offset 1 of its level's slot, a right one to 33, then completes the node.
    if (!putLeaf(leaf, i & 1 ? 33 : 1, hashes, 32 * i)) suspects.push(seq)
    if (!subtree) continue
    let level = 0
    for (let bits = i; bits & 1; bits >>= 1) put(hash('sha256', slots[level++], 'latin1'), slots[level], bits & 2 ? 33 : 1)
  }
  return at
}
function hashPage(json, hashes, after, count, subtree, cuts) {
  const failed = {after, count, suspects: []}
  if (!json || !hashes || hashes.length !== 32 * count) return failed
  const suspects = []
  const frontiers = []
  let at = 0
  for (let i = 0, c = 0; i < count; ) {
    const cut = subtree && c < cuts.length ? cuts[c] - after : count + 1 // (past the page: none left)
    const to = Math.min(i + BLOCK, cut, count)
    if ((at = hashRecords(json, hashes, after, subtree, suspects, i, to, at)) < 0) return failed
    i = to
    if (i === cut) frontiers.push({size: cuts[c++], roots: frontier(i)})
  }
  if (at !== json.length) return failed
  if (!subtree || suspects.length > 0) return {after, count, hashes: hashes.toString('hex'), suspects}
  return {after, count, suspects, root: slots[31 - Math.clz32(count)].toString('hex', 1, 33), frontiers}
}
`

// Each worker claims the next page itself from a counter shared by all (no message round trip, so a
// worker that starts late or gets less CPU on a shared machine simply claims fewer pages), reads and
// hashes it, posts it, and claims again until none is left or it is told to stop. Pages are read one
// at a time: a reader may answer asynchronously. Then it closes its connection and says so.
const workerSource = (reader: string): string => `
const {parentPort, workerData} = require('node:worker_threads')
const {hash} = require('node:crypto')
${reader}
${PAGE_HASHER}
const {reader: data, control, size, pageSize, window, cuts} = workerData
const [NEXT, CONSUMED, STOP] = [0, 1, 2]
const pages = Math.ceil(size / pageSize)
async function run() {
  const reader = await openPageReader(data)
  try {
    for (let index = Atomics.add(control, NEXT, 1); index < pages; index = Atomics.add(control, NEXT, 1)) {
      // At most window pages ahead of the main thread (memory stays bounded), unless told to stop.
      for (let consumed; index >= (consumed = Atomics.load(control, CONSUMED)) + window && !Atomics.load(control, STOP); ) {
        Atomics.wait(control, CONSUMED, consumed)
      }
      if (Atomics.load(control, STOP)) break
      const after = index * pageSize
      const count = Math.min(pageSize, size - after)
      // A page of a power of two records starts at a multiple of its size: its subtree is one of the tree's.
      const subtree = count === pageSize && (pageSize & (pageSize - 1)) === 0
      const inside = subtree ? cuts.filter((cut) => cut > after && cut < after + count) : []
      let page
      try {
        page = await reader.read(after, count)
      } catch {
        page = undefined
      }
      parentPort.postMessage(page ? hashPage(page.json, page.hashes, after, count, subtree, inside) : {after, count, suspects: []})
    }
  } finally {
    await Promise.resolve().then(() => reader.close()).catch(() => undefined)
    parentPort.postMessage('closed')
    parentPort.close()
  }
}
run() // a reader that cannot open fails the thread, and so verification
`

// Pages the workers may run ahead of the one being consumed: enough to keep them busy while the main
// thread checks checkpoint signatures. A worker holds one page's rows at a time and answers with a
// subtree root (or 64 hex digits per record), so memory stays small.
const AHEAD_PER_WORKER = 8
/** How long a worker may take to close its connection when verification ends, before it is ended without. */
const STOP_MS = 5000

/**
 * Leaf-hash pages of records 1…size in seq order, computed by `workers` threads each reading with
 * `reader`, with at most AHEAD_PER_WORKER pages per worker read ahead: memory stays bounded whatever
 * the log's size.
 */
export async function* leafHashPagesInWorkers(
  reader: PageReaderSource,
  size: number,
  pageSize: number,
  cuts: readonly number[] = [],
  workers = 2,
): AsyncGenerator<LeafHashPage> {
  const pages = Math.ceil(size / pageSize)
  // [next page to claim, pages consumed here, stop] (the worker names them NEXT, CONSUMED, STOP)
  const control = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT))
  const [CONSUMED, STOP] = [1, 2]
  const count = Math.min(workers, pages)
  const workerData = {reader: reader.data, control, size, pageSize, window: AHEAD_PER_WORKER * count, cuts: [...new Set(cuts)].sort((a, b) => a - b)}
  const source = workerSource(reader.source)
  const threads = Array.from({length: count}, () => new Worker(source, {eval: true, workerData, execArgv: []}))
  // A worker is done once it says its connection is closed (or it ended without saying so).
  const closed = threads.map((thread) => new Promise((resolve) => thread.once('exit', resolve).on('message', (m) => m === 'closed' && resolve(m))))
  // Pages arrive in any order: kept until their turn; `waiter` is the one awaited.
  const arrived = new Map<number, LeafHashPage>()
  let waiter: {index: number; resolve: (page: LeafHashPage) => void; reject: (error: Error) => void} | undefined
  let failure: Error | undefined
  for (const thread of threads) {
    thread.on('message', (page: LeafHashPage | 'closed') => {
      if (page === 'closed') return
      const index = page.after / pageSize
      if (waiter?.index === index) waiter.resolve(page)
      else arrived.set(index, page)
    })
    thread.on('error', (error) => {
      failure ??= error
      waiter?.reject(error)
    })
  }
  const take = (index: number): Promise<LeafHashPage> => {
    const page = arrived.get(index)
    arrived.delete(index)
    if (page) return Promise.resolve(page)
    if (failure) return Promise.reject(failure)
    return new Promise((resolve, reject) => (waiter = {index, resolve, reject}))
  }
  // Workers wait on the consumed count: every change is signalled there.
  const signal = (slot: number, value: number): void => {
    Atomics.store(control, slot, value)
    Atomics.notify(control, CONSUMED)
  }
  try {
    for (let index = 0; index < pages; index++) {
      const page = await take(index)
      waiter = undefined
      signal(CONSUMED, index + 1) // taken: the workers may claim one more
      yield page
    }
  } finally {
    // Told to stop, each worker closes its connection itself: terminated, a PostgreSQL backend would log
    // the dropped connection. Once every page was taken, they have already begun to.
    signal(STOP, 1)
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
