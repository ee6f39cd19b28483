/**
 * The checkpoint side of `audit verify` (verify.ts): the stored checkpoints and the saved one, each
 * signature checked, giving the roots the rebuilt tree must reproduce and the problems to report.
 *
 * A log holds one checkpoint per thousand records and an Ed25519 check takes 0.1–0.3 ms, so on a large
 * log checking them all before reading any record left the page workers idle for up to a second (they
 * may only run a few pages ahead). Instead the signatures are checked in the order of the sizes the
 * notes claim, when the main thread is idle or the tree is about to reach them. A note's claimed
 * size (its second line, read unchecked) is its size if its signature checks, so the expected roots
 * still come out in size order, and the report is the same as checking every signature first.
 */
import type {StoredCheckpoint} from '../store/audit.js'
import {openCheckpoint, type Checkpoint, type NoteVerifier} from './note.js'

/** A root the rebuilt tree must reproduce at `size`, from a checkpoint whose signature checked. */
export interface ExpectedRoot {
  size: number
  rootHash: Buffer
  label: string
}

/** The size a signed note claims, before any check; -Infinity if it names none (then it cannot check either). */
export function claimedSize(note: string): number {
  const size = Number(note.split('\n', 2)[1])
  return Number.isSafeInteger(size) ? size : Number.NEGATIVE_INFINITY
}

export class CheckpointChecks {
  /** The roots to reproduce, in size order (stored before saved on a tie), growing as signatures check. */
  readonly expected: ExpectedRoot[] = []
  /** The notes, stored ones in order then the saved one; and their indexes in claimed-size order. */
  private readonly notes: string[]
  private readonly order: number[]
  private readonly claimed: number[]
  /** Per note: its checkpoint, or why it failed (a message); undefined until checked. */
  private readonly heads: Array<Checkpoint | string | undefined>
  private checked = 0

  constructor(
    private readonly stored: readonly StoredCheckpoint[],
    savedNote: string | undefined,
    private readonly verifier: NoteVerifier,
  ) {
    this.notes = [...stored.map((checkpoint) => checkpoint.note), ...(savedNote === undefined ? [] : [savedNote])]
    this.claimed = this.notes.map(claimedSize)
    this.order = this.notes.map((_, i) => i).sort((a, b) => this.claimed[a]! - this.claimed[b]! || a - b)
    this.heads = this.notes.map(() => undefined)
  }

  /** Every size the stored checkpoints' columns and all the notes claim, before any check (where page workers keep frontiers). */
  sizes(): number[] {
    return [...this.stored.map((checkpoint) => checkpoint.size), ...this.claimed.filter(Number.isFinite)]
  }

  /** Checks the next signature in claimed-size order; false if none was left. */
  checkNext(): boolean {
    if (this.checked === this.order.length) return false
    const index = this.order[this.checked++]!
    try {
      const head = openCheckpoint(this.notes[index]!, this.verifier)
      this.heads[index] = head
      const label = `${index < this.stored.length ? 'signed' : 'saved'} checkpoint at size ${head.size}`
      this.expected.push({size: head.size, rootHash: head.rootHash, label})
    } catch (error) {
      this.heads[index] = (error as Error).message
    }
    return true
  }

  /** Checks every signature claiming a size up to `size` (all of them for Infinity). */
  upTo(size: number): void {
    while (this.checked < this.order.length && this.claimed[this.order[this.checked]!]! <= size) this.checkNext()
  }

  /**
   * Once all are checked: the problems (each stored checkpoint's in order, then the saved one's, then
   * a mix of logs) and the newest size a stored signature covers.
   */
  report(): {problems: string[]; newestSigned: number} {
    this.upTo(Number.POSITIVE_INFINITY)
    const problems: string[] = []
    const origins = new Set<string>()
    let newestSigned = 0
    this.stored.forEach((checkpoint, i) => {
      const head = this.heads[i]!
      if (typeof head === 'string') {
        problems.push(`checkpoint at size ${checkpoint.size}: ${head}`)
        return
      }
      origins.add(head.origin)
      if (head.size !== checkpoint.size || !head.rootHash.equals(checkpoint.rootHash)) {
        problems.push(`checkpoint at size ${checkpoint.size}: its columns do not match its signed note (size ${head.size})`)
      }
      newestSigned = Math.max(newestSigned, head.size)
    })
    const saved = this.heads[this.stored.length]
    if (typeof saved === 'string') {
      problems.push(`saved checkpoint: ${saved}`)
    } else if (saved) {
      if (origins.size > 0 && !origins.has(saved.origin)) problems.push(`the saved checkpoint is for log "${saved.origin}", not "${[...origins].join('", "')}"`)
      origins.add(saved.origin)
    }
    if (origins.size > 1) problems.push(`checkpoints name more than one log: ${[...origins].join(', ')}`)
    return {problems, newestSigned}
  }
}
