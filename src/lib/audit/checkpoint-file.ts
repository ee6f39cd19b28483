/**
 * The server's copy of its latest signed checkpoint, kept outside the database (a 0600 file in the
 * data dir): whoever deletes checkpoint rows from the database must also find and rewrite this file,
 * and the next start compares the two. Written atomically (temp file + rename).
 */
import {existsSync, readFileSync} from 'node:fs'
import {chmod, rename, writeFile} from 'node:fs/promises'

import {RtccError} from '../errors.js'

export function readCheckpointFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new RtccError(`cannot read the audit checkpoint file: ${(error as Error).message}`, {code: 'audit_corrupt', where: file})
  }
}

/** Off the event loop: a server signs while requests are in flight, and three file calls held them up. */
export async function writeCheckpointFile(file: string, note: string): Promise<void> {
  const partial = `${file}.${process.pid}.partial`
  await writeFile(partial, note, {mode: 0o600})
  await chmod(partial, 0o600)
  await rename(partial, file)
}
