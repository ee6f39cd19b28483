/**
 * The server's copy of its latest signed checkpoint, kept outside the database (a 0600 file in the
 * data dir): whoever deletes checkpoint rows from the database must also find and rewrite this file,
 * and the next start compares the two. Written atomically (temp file + rename).
 */
import {chmodSync, existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs'

import {RtccError} from '../errors.js'

export function readCheckpointFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new RtccError(`cannot read the audit checkpoint file: ${(error as Error).message}`, {code: 'audit_corrupt', where: file})
  }
}

export function writeCheckpointFile(file: string, note: string): void {
  const partial = `${file}.${process.pid}.partial`
  writeFileSync(partial, note, {mode: 0o600})
  chmodSync(partial, 0o600)
  renameSync(partial, file)
}
