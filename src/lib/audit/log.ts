/**
 * The server's audit log: appends records inside the caller's store transaction, keeps the Merkle
 * tree head of the committed records in memory, signs checkpoints, and answers proofs.
 *
 * append() runs inside the transaction of the change it records and touches only the store, so a
 * rollback takes the record with it and leaves nothing in memory to undo. The store serializes
 * appenders (one SQLite writer; a PostgreSQL advisory lock held to commit), so records have one total
 * order even when several server instances share a database. The in-memory tree is brought up to date
 * from committed rows by afterCommit(), which the server calls outside any transaction; that is also
 * where checkpoints are signed, at every multiple of checkpointEvery. Catching up, signing and proofs
 * take turns (one at a time per log), so concurrent requests never append a leaf twice.
 */
import {setImmediate as nextTurn} from 'node:timers/promises'

import {newId} from '../domain/ids.js'
import {RtccError} from '../errors.js'
import type {StoredCheckpoint} from '../store/audit.js'
import type {Store} from '../store/store.js'
import {readCheckpointFile, writeCheckpointFile} from './checkpoint-file.js'
import {consistencyProofAsync, inclusionProofAsync, MerkleAccumulator, SubtreeHasher} from './merkle.js'
import {signCheckpoint, type NoteSigner} from './note.js'
import {AUDIT_OUTCOMES, leafHashOfJson, leafJson, recordOfLeaf, type AuditOutcome, type AuditRecord} from './record.js'
import {auditCorrupt, signedHeads, type SignedHead} from './start-check.js'
import {checkLeafRow} from './verify.js'

export type {StoredCheckpoint} from '../store/audit.js'

/** What the log needs of a store: its audit repository and its transactions. */
export type AuditStore = Pick<Store, 'audit' | 'transaction' | 'inTransaction' | 'onCommit'>

export interface AuditLogOptions {
  /** Log identity written as the checkpoint origin line, e.g. `rtcc.example.org/audit`. */
  origin: string
  signer: NoteSigner
  /** Sign a checkpoint each time the log size reaches a multiple of this. */
  checkpointEvery?: number
  /**
   * Also keep the latest signed checkpoint in this file (0600, outside the database), so checkpoint
   * rows deleted from the database are noticed at the next start.
   */
  checkpointFile?: string
}

/** What the server knows about one interaction; id, time and seq are filled in by append(). */
export interface AuditInput {
  action: string
  outcome: AuditOutcome
  actorId?: string | null
  actorName?: string | null
  role?: string | null
  target?: string | null
  source?: string | null
  requestId?: string | null
  bytesIn?: number | null
  bytesOut?: number | null
  detail?: Record<string, unknown> | null
  /** Defaults to now. */
  time?: string
}

/** A record with the audit path from its leaf to a signed checkpoint's root. */
export interface InclusionProofBundle {
  record: AuditRecord
  leafIndex: number
  treeSize: number
  /** Base64 RFC 6962 leaf hash. */
  leafHash: string
  /** Base64 sibling hashes, leaf to root. */
  proof: string[]
  /** The signed checkpoint note at treeSize. */
  checkpoint: string
}

/** Proof that the tree of fromSize records is a prefix of the signed tree of toSize records. */
export interface ConsistencyProofBundle {
  fromSize: number
  toSize: number
  /** Base64 hashes, RFC 9162 §2.1.4 order. */
  proof: string[]
  /** The signed checkpoint note at toSize. */
  checkpoint: string
}

/** Records checked per page before a signature (well under 1 ms of reading and hashing). */
const CHECK_PAGE = 128

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

// Stored text is UTF-8, which cannot hold lone surrogates; replace them up front so the hashed value
// is exactly the value the store will hand back to the verifier.
const wellFormed = (text: string | null | undefined): string | null => (text == null ? null : text.replace(/\p{Surrogate}/gu, '\uFFFD'))

function count(value: number | null | undefined, field: string): number | null {
  if (value == null) return null
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`audit ${field} must be a non-negative integer, got ${value}`)
  return value
}

function toRecord(input: AuditInput, seq: number): AuditRecord {
  if (!input.action) throw new TypeError('audit action is required')
  if (!AUDIT_OUTCOMES.includes(input.outcome)) throw new TypeError(`audit outcome must be one of ${AUDIT_OUTCOMES.join(', ')}, got ${input.outcome}`)
  const time = input.time ?? new Date().toISOString()
  if (!ISO_TIME.test(time)) throw new TypeError(`audit time must be UTC ISO-8601 with milliseconds, got ${time}`)
  return {
    id: newId('aud'),
    seq,
    time,
    actorId: wellFormed(input.actorId),
    actorName: wellFormed(input.actorName),
    role: wellFormed(input.role),
    action: wellFormed(input.action)!,
    target: wellFormed(input.target),
    outcome: input.outcome,
    source: wellFormed(input.source),
    requestId: wellFormed(input.requestId),
    bytesIn: count(input.bytesIn, 'bytesIn'),
    bytesOut: count(input.bytesOut, 'bytesOut'),
    detail: input.detail ?? null,
  }
}

/** The record as stored (its leaf data and leaf hash) and returned: as read back from that leaf. */
function stored(record: AuditRecord): {leaf: string; leafHash: Buffer; record: AuditRecord} {
  const leaf = leafJson(record)
  return {leaf, leafHash: leafHashOfJson(leaf), record: recordOfLeaf(leaf)}
}

export class AuditLog {
  private readonly tree = new MerkleAccumulator()
  private readonly subtrees: SubtreeHasher
  private readonly every: number
  private latest: StoredCheckpoint | undefined
  /** The tail of the queue that gives catch-up, signing and proofs one turn at a time. */
  private turn: Promise<unknown> = Promise.resolve()

  /** Signed heads the rebuilt tree must reproduce (consumed as the tree reaches each size). */
  private expected: SignedHead[] = []
  private lastGood = 0
  /** The seq this instance expects its next append to take (0: the tree's next); the store checks it. */
  private nextSeq = 0
  /** [seq, leaf hash] of records this instance appended whose transactions committed, not yet in the tree. */
  private committed: Array<[number, Buffer]> = []

  private constructor(
    private readonly store: AuditStore,
    private readonly options: AuditLogOptions,
  ) {
    this.every = options.checkpointEvery ?? 1000
    if (!Number.isSafeInteger(this.every) || this.every < 1) throw new TypeError('checkpointEvery must be a positive integer')
    this.subtrees = new SubtreeHasher((start, end) => store.audit.auditLeafHashes(start, end))
  }

  /**
   * Opens the log and checks it before anything is signed over it: the stored checkpoints' signatures,
   * the checkpoint file against them, every signed root against the stored leaf hashes (O(n) node
   * hashes, once), and the records after the newest checkpoint against their leaf hashes. Throws,
   * naming the checkpoint or record, on any mismatch: the server must not start on a forged log.
   */
  static async open(store: AuditStore, options: AuditLogOptions): Promise<AuditLog> {
    const log = new AuditLog(store, options)
    await log.start()
    return log
  }

  private async start(): Promise<void> {
    const {options} = this
    this.expected = signedHeads(await this.store.audit.listCheckpoints(), {publicKey: options.signer.publicKey}, options.checkpointFile)
    this.latest = await this.store.audit.latestCheckpoint()
    await this.catchUp(false)
    const beyond = this.expected[0]
    if (beyond) throw auditCorrupt(`the audit log has ${this.tree.size} records but a checkpoint was signed at size ${beyond.size}: records were removed`)
    await this.checkTail(this.latest?.size ?? 0)
    const file = options.checkpointFile
    if (file && this.latest && readCheckpointFile(file) !== this.latest.note) writeCheckpointFile(file, this.latest.note)
  }

  /** Number of committed records the in-memory tree covers. */
  get size(): number {
    return this.tree.size
  }

  /**
   * Appends one record and returns it. Call it (and await it) inside the store transaction of the
   * change it records; alone, it is one statement in the usual case (else it opens a transaction).
   * Rejects if the record cannot be written, failing the request.
   */
  async append(input: AuditInput): Promise<AuditRecord> {
    const fresh = toRecord(input, 0) // refuse malformed input before touching the store
    const alone = !this.store.inTransaction()
    // One statement when the expected seq is still the next one (alone, that statement is the whole
    // transaction); when another instance appended or an append of ours rolled back, ask the store for
    // the next seq under its append lock, in a transaction, and insert.
    let entry = stored({...fresh, seq: this.nextSeq || this.tree.size + 1})
    if (!(await this.store.audit.insertNextAuditRecord(entry.record.seq, entry.leaf, entry.leafHash))) {
      if (alone) return this.store.transaction(() => this.append(input))
      entry = stored({...fresh, seq: await this.store.audit.nextAuditSeq()})
      await this.store.audit.insertAuditRecord(entry.record.seq, entry.leaf, entry.leafHash)
    }
    this.nextSeq = entry.record.seq + 1
    const {seq} = entry.record
    const {leafHash} = entry
    this.store.onCommit(() => this.committed.push([seq, leafHash]))
    return entry.record
  }

  /**
   * Brings the tree up to date with committed records and signs a checkpoint at each multiple of
   * checkpointEvery passed. Call after each commit, outside any transaction. Returns the newest
   * checkpoint it signed, if any.
   */
  afterCommit(): Promise<StoredCheckpoint | undefined> {
    return this.inTurn(() => this.catchUp(true, false))
  }

  /**
   * afterCommit for synchronous callers not yet moved to the store (the Core link, the request
   * workflow): starts it without waiting. A failure is not lost: the next awaited call meets it again.
   */
  afterCommitSoon(): void {
    this.afterCommit().catch(() => undefined)
  }

  /** Signs the current tree head now (at shutdown, or on request); reuses the latest if nothing changed. */
  checkpoint(): Promise<StoredCheckpoint> {
    return this.inTurn(() => this.checkpointNow())
  }

  /**
   * The checkpoint to show witnesses: the newest signed one, or a new one over the current head when
   * there is none yet or the newest is older than maxAgeMs and records came after it. The age bound
   * keeps signing at a steady pace however many clients ask.
   */
  head(maxAgeMs = 60_000): Promise<StoredCheckpoint> {
    return this.inTurn(async () => {
      await this.catchUp(true)
      const latest = this.latest
      if (latest && (latest.size === this.tree.size || Date.now() - Date.parse(latest.createdAt) < maxAgeMs)) return latest
      return this.sign()
    })
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return this.latest
  }

  /** All stored checkpoints, smallest first. */
  checkpoints(): Promise<StoredCheckpoint[]> {
    return this.store.audit.listCheckpoints()
  }

  /** Inclusion proof for a record (by id or seq) against a signed checkpoint that covers it. */
  async inclusionProof(recordIdOrSeq: string | number): Promise<InclusionProofBundle> {
    const {record, head} = await this.inTurn(async () => {
      await this.catchUp(true)
      const record = await this.store.audit.getAuditRecord(recordIdOrSeq)
      if (!record || record.seq > this.tree.size) {
        throw new RtccError(`no audit record ${recordIdOrSeq}`, {code: 'not_found', hint: 'Find record ids with `rtcc audit query`.'})
      }
      const head = this.latest && this.latest.size >= record.seq ? this.latest : await this.sign()
      return {record, head}
    })
    // The tree only grows, so the proof's leaves are read outside the turn.
    const leafIndex = record.seq - 1
    return {
      record,
      leafIndex,
      treeSize: head.size,
      leafHash: (await this.subtrees.rootAsync(leafIndex, record.seq)).toString('base64'),
      proof: (await inclusionProofAsync(leafIndex, head.size, this.subtrees)).map((hash) => hash.toString('base64')),
      checkpoint: head.note,
    }
  }

  /** Consistency proof from an earlier size to a signed size (default: the current size, signed now if needed). */
  async consistencyProof(fromSize: number, toSize?: number): Promise<ConsistencyProofBundle> {
    const head = await this.inTurn(async () => {
      await this.catchUp(true)
      return toSize === undefined || toSize === this.tree.size ? this.checkpointNow() : this.store.audit.getCheckpoint(toSize)
    })
    if (!head) throw new RtccError(`no signed checkpoint at size ${toSize}`, {code: 'not_found'})
    if (!Number.isSafeInteger(fromSize) || fromSize < 0 || fromSize > head.size) {
      throw new RtccError(`cannot prove consistency from size ${fromSize}: the log has ${head.size} records at that checkpoint`, {
        code: 'inconsistent',
        hint: 'A saved checkpoint larger than the log means records were removed or an older copy was restored.',
      })
    }
    return {
      fromSize,
      toSize: head.size,
      proof: (await consistencyProofAsync(fromSize, head.size, this.subtrees)).map((hash) => hash.toString('base64')),
      checkpoint: head.note,
    }
  }

  /**
   * Runs fn when the previous catch-up, signing or proof is done. Refuses at once inside a store
   * transaction: the rows fn reads must be committed ones, and waiting there could hold the writer.
   */
  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    if (this.store.inTransaction()) return Promise.reject(new Error('AuditLog: afterCommit/checkpoint/proofs must run outside a transaction'))
    const turn = this.turn.then(fn)
    this.turn = turn.catch(() => undefined)
    return turn
  }

  private async checkpointNow(): Promise<StoredCheckpoint> {
    await this.catchUp(true)
    if (this.latest?.size === this.tree.size) return this.latest
    return this.sign()
  }

  private async sign(): Promise<StoredCheckpoint> {
    await this.checkTail(this.latest?.size ?? 0)
    const rootHash = this.tree.root()
    const note = signCheckpoint({origin: this.options.origin, size: this.tree.size, rootHash}, this.options.signer)
    const checkpoint = {size: this.tree.size, rootHash, note, createdAt: new Date().toISOString()}
    await this.store.audit.insertCheckpoint(checkpoint)
    if (this.options.checkpointFile) writeCheckpointFile(this.options.checkpointFile, note)
    this.latest = checkpoint
    return checkpoint
  }

  /**
   * Recomputes the leaf hash of every record after `after` up to the tree size from its stored leaf
   * and compares it with the stored leaf hash the tree was built from: nothing unchecked gets signed.
   * Page by page, letting other requests run between pages: checked in one go, the 1,000 records
   * before a signature held up every request in flight.
   */
  private async checkTail(after: number): Promise<void> {
    const schema = await this.store.audit.auditSchemaProblems()
    if (schema.length > 0) throw auditCorrupt(schema[0]!)
    for (let seq = after; seq < this.tree.size; ) {
      if (seq > after) await nextTurn()
      const rows = await this.store.audit.auditLeafPage(seq, Math.min(CHECK_PAGE, this.tree.size - seq))
      if (rows.length === 0) break
      for (const row of rows) {
        const {bad} = checkLeafRow(row)
        if (bad) throw auditCorrupt(`audit record ${bad.seq} (${bad.id}) does not match its leaf hash: it was altered after it was written`)
        seq = row[0]
      }
    }
  }

  /** Refuses to go on over history that no longer reproduces what was signed at this size. */
  private checkSignedRoot(): void {
    const root = this.tree.root()
    while (this.expected[0]?.size === this.tree.size) {
      const head = this.expected.shift()!
      if (!root.equals(head.rootHash)) {
        throw auditCorrupt(
          `the stored audit records no longer reproduce the checkpoint signed at size ${head.size} (root ${head.rootHash.toString('base64')}): records ${this.lastGood + 1}–${head.size} were altered and their leaf hashes rewritten`,
        )
      }
      this.lastGood = head.size
    }
  }

  // Perfect subtree roots met while building the head seed the proof hasher, so the first proof after a
  // start does not reread the whole log.
  private readonly rememberSubtree = (end: number, leaves: number, rootHex: string): void => {
    if (leaves > 256) this.subtrees.remember(end - leaves, end, Buffer.from(rootHex, 'hex'))
  }

  /**
   * Appends committed leaf hashes to the tree, signing at multiples of `every` when asked. Runs in turn.
   * Records this instance committed that follow on from the tree need no read; with `read` false that
   * is all it does when they all follow on (afterCommit's usual case). Otherwise it reads every record
   * after the tree, which also brings in those another process (server, CLI) wrote.
   */
  private async catchUp(signing: boolean, read = true): Promise<StoredCheckpoint | undefined> {
    let signed: StoredCheckpoint | undefined
    const add = async (seq: number, leaf: Buffer): Promise<void> => {
      if (seq !== this.tree.size + 1) {
        throw new RtccError(`the audit log is missing records between seq ${this.tree.size + 1} and ${seq - 1}`, {code: 'audit_corrupt', hint: 'Run `rtcc audit verify`.'})
      }
      this.tree.append(leaf, this.rememberSubtree)
      if (this.expected[0]?.size === this.tree.size) this.checkSignedRoot()
      if (signing && this.tree.size % this.every === 0 && (this.latest?.size ?? -1) < this.tree.size) signed = await this.sign()
    }
    const own = this.committed.filter(([seq]) => seq > this.tree.size)
    this.committed = []
    let followOn = 0
    for (; followOn < own.length && own[followOn]![0] === this.tree.size + 1; followOn++) await add(...own[followOn]!)
    if (!read && followOn > 0 && followOn === own.length) return signed
    const page = 65_536
    for (let rows = page; rows === page; ) {
      // One query per page (usually the one record just committed), its seqs checked for gaps.
      const leaves = await this.store.audit.auditLeavesAfter(this.tree.size, page)
      rows = leaves.length
      for (const [seq, leaf] of leaves) await add(seq, leaf)
    }
    return signed
  }
}
