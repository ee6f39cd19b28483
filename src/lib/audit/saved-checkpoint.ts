/**
 * Checkpoints and keys a user keeps in files: a checkpoint saved with `rtcc audit checkpoint -o FILE`
 * and the server's audit public key (audit-signing.pub). Read here, with no server and no database,
 * by both the online (client/audit.ts) and the offline (./offline.ts) verification.
 */
import {existsSync, readFileSync} from 'node:fs'

import {parsePublicKey, type NoteVerifier} from './note.js'
import {usageError} from '../errors.js'

export interface SavedCheckpoint {
  size: number
  rootHash: string
  note: string
  verifierKey: string
  createdAt: string
  server?: string
}

export function readSavedCheckpoint(file: string): SavedCheckpoint {
  let parsed: Partial<SavedCheckpoint>
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedCheckpoint>
  } catch (error) {
    throw usageError(`${file}: not a saved checkpoint (${(error as Error).message})`, 'Save one with `rtcc audit checkpoint -o head.json`.')
  }
  if (typeof parsed.note !== 'string' || typeof parsed.verifierKey !== 'string' || typeof parsed.size !== 'number')
    throw usageError(`${file}: missing note, verifierKey or size`, 'Save one with `rtcc audit checkpoint -o head.json`.')
  return parsed as SavedCheckpoint
}

/** A public key file: the server's PEM (audit-signing.pub) or a verifier key line. */
export function loadVerifier(file: string): NoteVerifier {
  if (!existsSync(file)) throw usageError(`public key file ${file} does not exist`, 'Copy audit-signing.pub from the server data dir.')
  return parsePublicKey(readFileSync(file, 'utf8'))
}
