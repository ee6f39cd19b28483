/**
 * What the server checks before it signs anything over a log it reopens: every stored checkpoint's
 * signature, and that the copy of the latest checkpoint kept in the data dir (outside the database) is
 * still among them. The roots these heads commit to are then checked against the stored leaf hashes
 * by AuditLog as it rebuilds its tree, and the records after the newest one against their leaf hashes.
 */
import {RtccError} from '../errors.js'
import type {StoredCheckpoint} from '../store/audit.js'
import {readCheckpointFile} from './checkpoint-file.js'
import {openCheckpoint, type Checkpoint, type NoteVerifier} from './note.js'

export interface SignedHead {
  size: number
  rootHash: Buffer
}

export const auditCorrupt = (message: string, hint = 'Run `rtcc audit verify --db FILE --public-key audit-signing.pub` on a copy of the database (on PostgreSQL: `--database postgres://…`), and restore it from a backup.') =>
  new RtccError(`REFUSING TO START: ${message}`, {code: 'audit_corrupt', hint})

function open(note: string, verifier: NoteVerifier, what: string): Checkpoint {
  try {
    return openCheckpoint(note, verifier)
  } catch (error) {
    throw auditCorrupt(`${what} is not a checkpoint signed by this server's audit key: ${(error as Error).message}`)
  }
}

/**
 * The signed heads the stored records must reproduce, smallest first, from the stored checkpoints
 * (smallest first); throws if the file's checkpoint is not among them.
 */
export function signedHeads(stored: readonly StoredCheckpoint[], verifier: NoteVerifier, checkpointFile?: string): SignedHead[] {
  const heads = stored.map((row) => {
    const head = open(row.note, verifier, `the checkpoint row at size ${row.size}`)
    if (head.size !== row.size || !head.rootHash.equals(row.rootHash)) throw auditCorrupt(`the checkpoint row at size ${row.size} does not match its signed note (size ${head.size})`)
    return head
  })
  const note = checkpointFile && readCheckpointFile(checkpointFile)
  if (note) {
    const kept = open(note, verifier, checkpointFile)
    const stored = heads.find((head) => head.size === kept.size)
    if (!stored?.rootHash.equals(kept.rootHash)) {
      const newest = heads.at(-1)
      throw auditCorrupt(
        `${checkpointFile} holds the checkpoint signed at size ${kept.size} (root ${kept.rootHash.toString('base64')}), but the database ${stored ? 'has another root at that size' : `does not (its newest checkpoint is ${newest ? `at size ${newest.size}` : 'none'})`}: checkpoint rows were deleted or replaced`,
      )
    }
  }
  return heads
}
