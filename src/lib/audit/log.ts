/**
 * The server's audit log: appends records inside the caller's transaction, keeps the Merkle tree
 * head of the committed records in memory, signs checkpoints, and answers proofs.
 *
 * append() runs inside the transaction of the change it records and touches only the database, so a
 * rollback takes the record with it and leaves nothing in memory to undo. The in-memory tree is
 * brought up to date from committed rows by afterCommit(), which the server calls outside any
 * transaction; that is also where checkpoints are signed, at every multiple of checkpointEvery.
 */
import {newId} from '../domain/ids.js'
import {CliError} from '../output/errors.js'
import {
  auditLeafHashes,
  auditRowValuesPage,
  getAuditRecord,
  getCheckpoint,
  insertAuditRecord,
  insertCheckpoint,
  lastAuditSeq,
  latestCheckpoint,
  listCheckpoints,
  type StoredCheckpoint,
} from '../store/audit.js'
import type {Db} from '../store/db.js'
import {readCheckpointFile, writeCheckpointFile} from './checkpoint-file.js'
import {consistencyProof, inclusionProof, MerkleAccumulator, SubtreeHasher} from './merkle.js'
import {signCheckpoint, type NoteSigner} from './note.js'
import {AUDIT_OUTCOMES, leafHashHexOfJson, leafHashOfValues, storedValues, type AuditOutcome, type AuditRecord} from './record.js'
import {auditCorrupt, signedHeads, type SignedHead} from './start-check.js'

export type {StoredCheckpoint} from '../store/audit.js'

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

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

// Stored text is UTF-8, which cannot hold lone surrogates; replace them up front so the hashed value
// is exactly the value SQLite will hand back to the verifier.
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

export class AuditLog {
  private readonly tree = new MerkleAccumulator()
  private readonly subtrees: SubtreeHasher
  private readonly every: number
  private latest: StoredCheckpoint | undefined

  /** Signed heads the rebuilt tree must reproduce (consumed as the tree reaches each size). */
  private expected: SignedHead[]
  private lastGood = 0

  /**
   * Opens the log and checks it before anything is signed over it: the stored checkpoints' signatures,
   * the checkpoint file against them, every signed root against the stored leaf hashes (O(n) node
   * hashes, once), and the records after the newest checkpoint against their leaf hashes. Throws,
   * naming the checkpoint or record, on any mismatch: the server must not start on a forged log.
   */
  constructor(
    private readonly db: Db,
    private readonly options: AuditLogOptions,
  ) {
    this.every = options.checkpointEvery ?? 1000
    if (!Number.isSafeInteger(this.every) || this.every < 1) throw new TypeError('checkpointEvery must be a positive integer')
    this.subtrees = new SubtreeHasher((start, end) => auditLeafHashes(db, start, end))
    this.expected = signedHeads(db, {publicKey: options.signer.publicKey}, options.checkpointFile)
    this.latest = latestCheckpoint(db)
    this.catchUp(false)
    const beyond = this.expected[0]
    if (beyond) throw auditCorrupt(`the audit log has ${this.tree.size} records but a checkpoint was signed at size ${beyond.size}: records were removed`)
    this.checkTail(this.latest?.size ?? 0)
    const file = options.checkpointFile
    if (file && this.latest && readCheckpointFile(file) !== this.latest.note) writeCheckpointFile(file, this.latest.note)
  }

  /** Number of committed records the in-memory tree covers. */
  get size(): number {
    return this.tree.size
  }

  /**
   * Appends one record and returns it. Synchronous; call it inside the transaction of the change it
   * records (outside one it opens its own). Throws if the record cannot be written, failing the request.
   */
  append(input: AuditInput): AuditRecord {
    if (!this.db.inTransaction) return this.db.transaction(() => this.append(input))()
    const record = toRecord(input, lastAuditSeq(this.db) + 1)
    const values = storedValues(record)
    insertAuditRecord(this.db, values, leafHashOfValues(values))
    const detail = values[values.length - 1] as string | null
    return {...record, detail: detail === null ? null : JSON.parse(detail)}
  }

  /**
   * Brings the tree up to date with committed records and signs a checkpoint at each multiple of
   * checkpointEvery passed. Call after each commit, outside any transaction. Returns the newest
   * checkpoint it signed, if any.
   */
  afterCommit(): StoredCheckpoint | undefined {
    return this.catchUp(true)
  }

  /** Signs the current tree head now (at shutdown, or on request); reuses the latest if nothing changed. */
  checkpoint(): StoredCheckpoint {
    this.catchUp(true)
    if (this.latest?.size === this.tree.size) return this.latest
    return this.sign()
  }

  /**
   * The checkpoint to show witnesses: the newest signed one, or a new one over the current head when
   * there is none yet or the newest is older than maxAgeMs and records came after it. The age bound
   * keeps signing at a steady pace however many clients ask.
   */
  head(maxAgeMs = 60_000): StoredCheckpoint {
    this.catchUp(true)
    const latest = this.latest
    if (latest && (latest.size === this.tree.size || Date.now() - Date.parse(latest.createdAt) < maxAgeMs)) return latest
    return this.sign()
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return this.latest
  }

  /** All stored checkpoints, smallest first. */
  checkpoints(): StoredCheckpoint[] {
    return listCheckpoints(this.db)
  }

  /** Inclusion proof for a record (by id or seq) against a signed checkpoint that covers it. */
  inclusionProof(recordIdOrSeq: string | number): InclusionProofBundle {
    this.catchUp(true)
    const record = getAuditRecord(this.db, recordIdOrSeq)
    if (!record || record.seq > this.tree.size) {
      throw new CliError(`no audit record ${recordIdOrSeq}`, {code: 'not_found', hint: 'Find record ids with `rtcc audit query`.'})
    }
    const head = this.latest && this.latest.size >= record.seq ? this.latest : this.sign()
    const leafIndex = record.seq - 1
    return {
      record,
      leafIndex,
      treeSize: head.size,
      leafHash: this.subtrees.root(leafIndex, record.seq).toString('base64'),
      proof: inclusionProof(leafIndex, head.size, this.subtrees).map((hash) => hash.toString('base64')),
      checkpoint: head.note,
    }
  }

  /** Consistency proof from an earlier size to a signed size (default: the current size, signed now if needed). */
  consistencyProof(fromSize: number, toSize?: number): ConsistencyProofBundle {
    this.catchUp(true)
    const head = toSize === undefined || toSize === this.tree.size ? this.checkpoint() : getCheckpoint(this.db, toSize)
    if (!head) throw new CliError(`no signed checkpoint at size ${toSize}`, {code: 'not_found'})
    if (!Number.isSafeInteger(fromSize) || fromSize < 0 || fromSize > head.size) {
      throw new CliError(`cannot prove consistency from size ${fromSize}: the log has ${head.size} records at that checkpoint`, {
        code: 'inconsistent',
        hint: 'A saved checkpoint larger than the log means records were removed or an older copy was restored.',
      })
    }
    return {
      fromSize,
      toSize: head.size,
      proof: consistencyProof(fromSize, head.size, this.subtrees).map((hash) => hash.toString('base64')),
      checkpoint: head.note,
    }
  }

  private sign(): StoredCheckpoint {
    this.checkTail(this.latest?.size ?? 0)
    const rootHash = this.tree.root()
    const note = signCheckpoint({origin: this.options.origin, size: this.tree.size, rootHash}, this.options.signer)
    const checkpoint = {size: this.tree.size, rootHash, note, createdAt: new Date().toISOString()}
    insertCheckpoint(this.db, checkpoint)
    if (this.options.checkpointFile) writeCheckpointFile(this.options.checkpointFile, note)
    this.latest = checkpoint
    return checkpoint
  }

  /**
   * Recomputes the leaf hash of every record after `after` up to the tree size from its stored values
   * and compares it with the stored leaf hash the tree was built from: nothing unchecked gets signed.
   */
  private checkTail(after: number): void {
    for (let seq = after; seq < this.tree.size; ) {
      const rows = auditRowValuesPage(this.db, seq, Math.min(4096, this.tree.size - seq))
      if (rows.length === 0) break
      for (const row of rows) {
        const stored = row.pop() as Buffer
        const leaf = (() => {
          try {
            return leafHashHexOfJson(JSON.stringify(row))
          } catch {
            return ''
          }
        })()
        if (leaf !== Buffer.from(stored).toString('hex')) {
          throw auditCorrupt(`audit record ${row[0]} (${row[1]}) does not match its leaf hash: it was altered after it was written`)
        }
        seq = row[0] as number
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

  /** Appends committed leaf hashes to the tree, signing at multiples of `every` when asked. */
  private catchUp(signing: boolean): StoredCheckpoint | undefined {
    if (this.db.inTransaction) throw new Error('AuditLog: afterCommit/checkpoint/proofs must run outside a transaction')
    const last = lastAuditSeq(this.db)
    let signed: StoredCheckpoint | undefined
    const page = 65_536
    for (let start = this.tree.size; start < last; start += page) {
      const end = Math.min(last, start + page)
      const leaves = auditLeafHashes(this.db, start, end)
      if (leaves.length !== end - start) {
        throw new CliError(`the audit log is missing records between seq ${start + 1} and ${end}`, {code: 'audit_corrupt', hint: 'Run `rtcc audit verify`.'})
      }
      for (const leaf of leaves) {
        this.tree.append(leaf, this.rememberSubtree)
        if (this.expected[0]?.size === this.tree.size) this.checkSignedRoot()
        if (signing && this.tree.size % this.every === 0 && (this.latest?.size ?? -1) < this.tree.size) signed = this.sign()
      }
    }
    return signed
  }
}
