/**
 * Verifies an audit database from first principles: every leaf hash is recomputed from the stored leaf
 * bytes (the stored leaf_hash is only compared against, never trusted), the table's definition is
 * checked to derive every shown column from those bytes, the tree is rebuilt, every checkpoint's
 * signature and root are checked, and a checkpoint saved earlier can be proven to be a prefix of
 * today's log. Also verifies the proof bundles the server hands out.
 */
import type {KeyObject} from 'node:crypto'

import type {AuditLeafRow, StoredCheckpoint} from '../store/audit.js'
import type {Store} from '../store/store.js'
import type {ConsistencyProofBundle, InclusionProofBundle} from './log.js'
import {HASH_SIZE, MerkleAccumulator, hashLeaf, verifyConsistency, verifyInclusion} from './merkle.js'
import {openCheckpoint, type NoteVerifier} from './note.js'
import {leafHashOfRecord} from './record.js'
import {CheckpointChecks, type ExpectedRoot} from './verify-checkpoints.js'

export interface VerifyOptions {
  /** A signed checkpoint note saved earlier: proves today's log still extends it. */
  sinceCheckpoint?: string
  /** Insist on this key name in signature lines (default: any name whose key id matches the key). */
  keyName?: string
  /** Records per read (default 8192). Tests use small pages so that small logs cross page boundaries. */
  pageSize?: number
  /**
   * Read pages in parallel when the reader offers it (worker threads on a SQLite file, two connections
   * sharing the snapshot on PostgreSQL), from this many records (default 32768: below that, starting
   * them costs more than they save). Tests set 0.
   */
  parallelFrom?: number
}

export interface BadRecord {
  seq: number
  id: string
  reason: string
}

export interface VerifyResult {
  ok: boolean
  /** Records read. */
  records: number
  /** Stored checkpoints. */
  checkpoints: number
  /** Leaves in the recomputed tree (= records). */
  size: number
  /** Base64 root of the recomputed tree. */
  rootHash: string
  firstBadRecord?: BadRecord
  /** Everything that makes the log fail: checkpoint problems, bad records in seq order, then tree mismatches. */
  problems: string[]
  /** Things worth knowing that are not failures (e.g. records not yet covered by a signature). */
  warnings: string[]
  /** Records after the newest valid checkpoint, covered by no signature yet. */
  unsignedRecords: number
  seconds: number
  ratePerSecond?: number
}

/** What `rtcc audit verify` reports, on the server (client/audit.ts) or offline (./offline.ts). */
export interface VerifyReport extends Partial<VerifyResult> {
  ok: boolean
  problems: string[]
  mode: 'server' | 'offline'
  sinceCheckpoint?: {file: string; size: number; ok: boolean; problems: string[]; currentSize?: number}
}

const PAGE = 8192
const PARALLEL_FROM = 32_768
const ZERO_HASH = '0'.repeat(2 * HASH_SIZE)

/** A record's id for a report, read from its leaf ('?' if the leaf is not a JSON array). */
function idOfLeaf(leaf: Buffer): string {
  try {
    return String((JSON.parse(leaf.toString()) as unknown[])[1])
  } catch {
    return '?'
  }
}

/**
 * The check of one stored record: its leaf must be text, begin with its own seq (so a leaf cannot be
 * shown at another position) and hash to its stored leaf hash. Returns its leaf hash (hex) and, if it
 * fails, why. Parallel pages make the same checks in the workers (store/audit-leaf-workers.ts).
 */
export function checkLeafRow([seq, leaf, storedHash]: AuditLeafRow): {leafHash: string; bad?: BadRecord} {
  if (leaf === null) return {leafHash: ZERO_HASH, bad: {seq, id: '?', reason: 'its leaf is not text: the record was altered'}}
  const leafHash = hashLeaf(leaf).toString('hex')
  if (!leaf.toString('latin1', 0, 24).startsWith(`[${seq},`)) {
    return {leafHash, bad: {seq, id: idOfLeaf(leaf), reason: 'its leaf is for another position: the record was moved or altered'}}
  }
  if (!(storedHash instanceof Uint8Array) || Buffer.from(storedHash).toString('hex') !== leafHash) {
    return {leafHash, bad: {seq, id: idOfLeaf(leaf), reason: 'its contents do not match its leaf hash: the record was altered'}}
  }
  return {leafHash}
}

/** One page of leaf hashes: records after+1 … after+count. */
export interface LeafHashPage {
  after: number
  count: number
  /** 64 hex digits per record, in seq order; undefined when the page must be read again row by row. */
  hashes?: string
  /** Seqs whose stored leaf hash differs from the hash of their leaf (to be read again, and reported). */
  suspects: number[]
  /**
   * Instead of `hashes`, for a complete page of a power of two records with no suspect: the root of its
   * subtree (hex), and for each expected root size inside the page the roots of the perfect subtrees
   * covering after+1 … size, largest first.
   */
  root?: string
  frontiers?: Array<{size: number; roots: string[]}>
}

/**
 * The reads verify makes, which both store backends implement (a Store's `audit` repository is one).
 * Give it a reader over one snapshot (a read transaction) so the pages agree with each other.
 */
export type AuditLogReader = Pick<
  Store['audit'],
  'listCheckpoints' | 'auditSeqsContiguous' | 'auditSeqBreaks' | 'auditLeafPage' | 'auditSchemaProblems' | 'lastAuditSeq'
> & {
  /**
   * Optional: the leaf hashes of records 1…size, page by page in seq order, read in parallel over rows
   * that match the reader's snapshot (store/audit-leaf-workers.ts, with a SQLite file's or PostgreSQL's
   * page reader). Each page proves its seqs; the log is read in order instead if they have a gap.
   */
  leafHashPages?: (size: number, pageSize: number, expectedSizes: readonly number[]) => AsyncIterable<LeafHashPage>
}

/** Verifies the whole audit log the reader sees against the log's public key. */
export async function verifyAuditLog(reader: AuditLogReader, publicKey: KeyObject, options: VerifyOptions = {}): Promise<VerifyResult> {
  const started = performance.now()
  const verifier: NoteVerifier = {publicKey, name: options.keyName}
  const [stored, schemaProblems] = [await reader.listCheckpoints(), await reader.auditSchemaProblems()]
  const checkpoints = new CheckpointChecks(stored, options.sinceCheckpoint, verifier)
  // Start the parallel readers first, so they hash pages while this thread checks the signatures
  // (about 0.15 s per million records). They are given every size a checkpoint claims:
  // a size that turns out not to be expected (a bad signature) only costs a frontier nobody reads.
  const pageSize = options.pageSize ?? PAGE
  const size = reader.leafHashPages ? await reader.lastAuditSeq() : 0
  const pages =
    reader.leafHashPages && size > 0 && size >= (options.parallelFrom ?? PARALLEL_FROM)
      ? reader.leafHashPages(size, pageSize, checkpoints.sizes())[Symbol.asyncIterator]()
      : undefined
  const firstPage = pages?.next()
  firstPage?.catch(() => undefined) // awaited later: not an unhandled rejection meanwhile
  try {
    return await verifyWith(reader, checkpoints, options, stored, schemaProblems, started, pages && {pages, firstPage: firstPage!})
  } finally {
    await pages?.return?.(undefined)
  }
}

/** Leaf-hash pages of records 1…lastAuditSeq, already being computed. */
interface ParallelPages {
  pages: AsyncIterator<LeafHashPage>
  firstPage: Promise<IteratorResult<LeafHashPage>>
}

async function verifyWith(
  reader: AuditLogReader,
  checkpoints: CheckpointChecks,
  options: VerifyOptions,
  stored: readonly StoredCheckpoint[],
  schemaProblems: readonly string[],
  started: number,
  parallel: ParallelPages | undefined,
): Promise<VerifyResult> {
  const warnings: string[] = []

  // Pages read in parallel prove their own seqs, so the log's seqs are only counted if a page fails
  // (then, if they have a gap, the records are read again in order, which reports it).
  let check = new TreeCheck(reader, checkpoints)
  let unreadable: string | undefined
  try {
    if (!parallel || !(await check.scanPages(parallel))) {
      await parallel?.pages.return?.(undefined)
      check = new TreeCheck(reader, checkpoints)
      await check.scanInOrder(options.pageSize ?? PAGE)
    }
  } catch (error) {
    // A table not defined as rtcc defines it (reported above) may not even be readable as records.
    if (schemaProblems.length === 0) throw error
    unreadable = `the records cannot be read: ${(error as Error).message}`
  }
  const {tree, badRecords, mismatches, next} = check
  const {problems: checkpointProblems, newestSigned} = checkpoints.report()
  const problems = [...schemaProblems, ...checkpointProblems, ...(unreadable === undefined ? [] : [unreadable])]

  badRecords.sort((a, b) => a.seq - b.seq)
  problems.push(...badRecords.map((r) => `record ${r.seq} (${r.id}): ${r.reason}`), ...mismatches)
  // Unread records say nothing about the checkpoints beyond them.
  for (const want of unreadable === undefined ? checkpoints.expected.slice(next) : []) {
    problems.push(`the ${want.label} covers more records than the log holds (${tree.size}): records were removed from the end or an older copy was restored`)
  }
  const unsignedRecords = Math.max(0, tree.size - newestSigned)
  if (stored.length === 0 && tree.size > 0) warnings.push('the log has no signed checkpoint: only a saved checkpoint can prove it was not rewritten')
  else if (unsignedRecords > 0) warnings.push(`${unsignedRecords} record(s) after the newest checkpoint are not yet covered by a signature`)

  const seconds = (performance.now() - started) / 1000
  return {
    ok: problems.length === 0,
    records: tree.size,
    checkpoints: stored.length,
    size: tree.size,
    rootHash: tree.root().toString('base64'),
    firstBadRecord: badRecords[0],
    problems,
    warnings,
    unsignedRecords,
    seconds,
    ratePerSecond: seconds > 0 ? Math.round(tree.size / seconds) : undefined,
  }
}

/** The tree rebuilt from the records, checked against the expected roots as it grows. */
class TreeCheck {
  readonly tree = new MerkleAccumulator()
  readonly badRecords: BadRecord[] = []
  readonly mismatches: string[] = []
  /** Index of the next expected root to reach. */
  next = 0
  private lastGoodSize = 0
  /** The expected roots, growing in size order as checkpoint signatures are checked. */
  private readonly expected: readonly ExpectedRoot[]

  constructor(
    private readonly reader: AuditLogReader,
    private readonly checkpoints: CheckpointChecks,
  ) {
    this.expected = checkpoints.expected
    checkpoints.upTo(0)
    this.checkRoots()
  }

  checkRoots(head = this.tree): void {
    const {expected} = this
    while (this.next < expected.length && expected[this.next]!.size === head.size) {
      const want = expected[this.next++]!
      if (head.rootHex() === want.rootHash.toString('hex')) {
        this.lastGoodSize = want.size
      } else {
        this.mismatches.push(`the records do not reproduce the ${want.label}: records ${this.lastGoodSize + 1}–${want.size} were altered, removed or reordered`)
      }
    }
  }

  appendLeaf(leafHash: string): void {
    this.tree.append(leafHash)
    if (this.next < this.expected.length && this.expected[this.next]!.size === this.tree.size) this.checkRoots()
  }

  /** Checks one stored record (checkLeafRow), recording it if bad; returns its leaf hash. */
  checkRow(row: AuditLeafRow): string {
    const {leafHash, bad} = checkLeafRow(row)
    if (bad) this.badRecords.push(bad)
    return leafHash
  }

  /** A record whose leaf did not hash to its stored leaf hash in a worker, read again to report it. */
  async recheck(seq: number): Promise<string> {
    return this.checkRow((await this.reader.auditLeafPage(seq - 1, 1))[0]!)
  }

  /**
   * Appends the pages of records 1…lastAuditSeq computed in parallel. Each page the workers hashed
   * holds exactly its seqs, so with the first record at seq 1 they prove the seqs run 1…size. Returns
   * false, having appended an unknown part of the log, if the seqs turn out to have a gap.
   */
  async scanPages(parallel: ParallelPages): Promise<boolean> {
    const first = await this.reader.auditLeafPage(Number.MIN_SAFE_INTEGER, 1)
    if (Number(first[0]?.[0]) !== 1) return false
    let contiguous: boolean | undefined
    for (let next = await this.whileWaiting(parallel.firstPage); !next.done; next = await this.whileWaiting(parallel.pages.next())) {
      const page = next.value
      this.checkpoints.upTo(page.after + page.count)
      if (page.root !== undefined) {
        // A whole subtree hashed by the worker: the tree head at each expected size inside the page is
        // today's head plus the perfect subtrees the worker had at that size.
        for (const {size: at, roots} of page.frontiers ?? []) {
          const head = this.tree.clone()
          head.appendRange(roots, at - page.after)
          this.checkRoots(head)
        }
        this.tree.appendSubtree(page.root, page.count)
        this.checkRoots()
        continue
      }
      if (page.hashes === undefined) {
        // The worker could not vouch for the page's seqs: read by seq, it is only right without a gap.
        contiguous ??= await this.reader.auditSeqsContiguous()
        if (!contiguous) return false
        for (const row of await this.reader.auditLeafPage(page.after, page.count)) this.appendLeaf(this.checkRow(row))
        continue
      }
      const {hashes, suspects} = page
      for (let i = 0, s = 0; i < page.count; i++) {
        const seq = page.after + i + 1
        if (suspects[s] === seq) {
          s++
          this.appendLeaf(await this.recheck(seq))
        } else {
          this.appendLeaf(hashes.slice(2 * HASH_SIZE * i, 2 * HASH_SIZE * (i + 1)))
        }
      }
    }
    return true
  }

  /**
   * Awaits a page, checking checkpoint signatures meanwhile, one at a time with a turn of the event loop
   * in between: a page that arrives is taken at once, and the workers are kept supplied with requests.
   */
  private async whileWaiting<T>(page: Promise<T>): Promise<T> {
    let arrived = false
    const settle = (): void => {
      arrived = true
    }
    page.then(settle, settle)
    while (!arrived && this.checkpoints.checkNext()) await new Promise(setImmediate)
    return page
  }

  /** Reads every record in seq order, reporting deleted or renumbered records (breaks in seq, found in SQL). */
  async scanInOrder(pageSize: number): Promise<void> {
    const {reader} = this
    this.checkpoints.upTo(Number.POSITIVE_INFINITY)
    if (!(await reader.auditSeqsContiguous())) {
      for (const {seq, id, previous} of await reader.auditSeqBreaks()) {
        const reason = seq < 1 ? `seq ${seq} is not a log position` : `records ${Math.max(1, (previous ?? 0) + 1)}–${seq - 1} are missing before it`
        this.badRecords.push({seq, id, reason})
      }
    }
    for (let after = Number.MIN_SAFE_INTEGER; ; ) {
      const rows = await reader.auditLeafPage(after, pageSize)
      for (const row of rows) this.appendLeaf(this.checkRow(row))
      if (rows.length < pageSize) break
      after = rows[rows.length - 1]![0]
    }
  }
}

const decode = (hashes: readonly string[]): Buffer[] => hashes.map((hash) => Buffer.from(hash, 'base64'))

/** Checks an inclusion proof bundle: checkpoint signature, the record's own hash, and the audit path. */
export function verifyInclusionBundle(bundle: InclusionProofBundle, verifier: NoteVerifier): {ok: boolean; problems: string[]} {
  const problems: string[] = []
  try {
    const head = openCheckpoint(bundle.checkpoint, verifier)
    const leafHash = leafHashOfRecord(bundle.record)
    if (leafHash.toString('base64') !== bundle.leafHash) problems.push('the record does not hash to the proven leaf hash')
    if (head.size !== bundle.treeSize) problems.push(`the proof is for size ${bundle.treeSize} but the checkpoint is at size ${head.size}`)
    if (bundle.leafIndex !== bundle.record.seq - 1) problems.push(`leaf index ${bundle.leafIndex} does not match record seq ${bundle.record.seq}`)
    if (!verifyInclusion(bundle.leafIndex, head.size, leafHash, decode(bundle.proof), head.rootHash)) {
      problems.push('the audit path does not lead to the signed root')
    }
  } catch (error) {
    problems.push((error as Error).message)
  }
  return {ok: problems.length === 0, problems}
}

/** Checks that a newer signed checkpoint (in the bundle) extends a saved one, using the consistency proof. */
export function verifyConsistencyBundle(savedNote: string, bundle: ConsistencyProofBundle, verifier: NoteVerifier): {ok: boolean; problems: string[]} {
  const problems: string[] = []
  try {
    const saved = openCheckpoint(savedNote, verifier)
    const head = openCheckpoint(bundle.checkpoint, verifier)
    if (saved.origin !== head.origin) problems.push(`the checkpoints are from different logs ("${saved.origin}", "${head.origin}")`)
    if (bundle.fromSize !== saved.size || bundle.toSize !== head.size) problems.push('the proof is not between these two checkpoints')
    else if (!verifyConsistency(saved.size, head.size, saved.rootHash, head.rootHash, decode(bundle.proof))) {
      problems.push(`the log at size ${head.size} does not extend the saved checkpoint at size ${saved.size}: history was rewritten`)
    }
  } catch (error) {
    problems.push((error as Error).message)
  }
  return {ok: problems.length === 0, problems}
}
