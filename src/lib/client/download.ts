/**
 * `rtcc request download`: fetch every evidence file of a request (or a whole case) into a folder,
 * checking each SHA-256 on the way in, then write the server-signed custody.json — fetched last, so
 * it records these downloads — and verify the folder offline as a whole. All of it happens in a
 * hidden temporary folder next to the target, renamed into place only once everything verified: a
 * mismatch anywhere keeps nothing, neither the target nor the temporary folder.
 */
import {type KeyObject, randomBytes} from 'node:crypto'
import {mkdir, readdir, rename, rm} from 'node:fs/promises'
import {basename, dirname, join, resolve} from 'node:path'

import {parseVerifierKey} from '../audit/note.js'
import type {CustodyDocument} from '../evidence/custody.js'
import {type EvidenceVerifyReport, saveEvidenceFile, verifyEvidenceDir, writeCustodyFile} from '../evidence/evidence-dir.js'
import {RtccError, usageError} from '../errors.js'
import type {ApiClient} from './api.js'
import {httpError} from './api.js'
import {readPin} from './profiles.js'

export async function downloadEvidence(
  api: ApiClient,
  target: {request?: string; case?: string},
  dir: string,
  onFile?: (name: string, bytes: number) => void,
): Promise<EvidenceVerifyReport> {
  const final = resolve(dir)
  await assertFreeTarget(final)
  const temp = join(dirname(final), `.${basename(final)}.partial-${randomBytes(4).toString('hex')}`)
  try {
    const report = await downloadInto(api, target, temp, onFile)
    // rename(2) replaces an empty folder but never a non-empty one, so nothing of the user's is lost.
    await rename(temp, final).catch((error: NodeJS.ErrnoException) => {
      throw new RtccError(`cannot move the verified download into ${final}: ${error.message}; nothing was kept`, {code: 'target_exists', where: final, hint: 'Choose a new folder with -o, then run the download again.'})
    })
    return {...report, dir: final}
  } finally {
    await rm(temp, {recursive: true, force: true})
  }
}

/** The target must not exist yet, or be an empty folder: a download never mixes with other files. */
async function assertFreeTarget(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return []
    throw new RtccError(`cannot use ${dir} for the download: ${error.message}`, {code: 'target_exists', where: dir, hint: 'Choose a new folder with -o.'})
  })
  if (entries.length) throw usageError(`${dir} already exists and is not empty`, 'Choose a new folder with -o (each download gets a folder of its own), or remove that one first.')
}

async function downloadInto(api: ApiClient, target: {request?: string; case?: string}, dir: string, onFile?: (name: string, bytes: number) => void): Promise<EvidenceVerifyReport> {
  const before = await api.get<CustodyDocument>('/v1/custody', target)
  await mkdir(dir, {recursive: true, mode: 0o700})
  for (const file of before.files) {
    const stream = api.http.stream(`v1/evidence/${encodeURIComponent(file.id)}/content`, {timeout: {request: undefined}})
    const response = await new Promise<{statusCode: number}>((resolve, reject) => stream.once('response', resolve).once('error', reject)).catch(async (error) => {
      throw await api.networkError(error)
    })
    if (response.statusCode >= 400) {
      let body = ''
      for await (const chunk of stream) body += chunk
      throw httpError(response.statusCode, safeJson(body), `download ${file.id}`)
    }
    const saved = await saveEvidenceFile(dir, file, stream).catch((error: Error) => {
      if (error instanceof RtccError) throw error
      throw new RtccError(`download of ${file.name} FAILED: ${error.message}; nothing was kept`, {code: 'evidence_mismatch', where: file.id, hint: 'The server may have found the stored copy damaged: check its log, and retry.'})
    })
    onFile?.(file.name, saved.bytes)
  }
  await writeCustodyFile(dir, await api.get<CustodyDocument>('/v1/custody', target))
  const report = await verifyEvidenceDir(dir, pinnedSigningKey(api))
  if (!report.ok) throw new RtccError(`the downloaded evidence FAILED verification: ${report.problems[0]}; nothing was kept`, {code: 'evidence_mismatch', where: dir, result: report})
  return report
}

function safeJson(text: string): {error?: {message?: string; code?: string}} | undefined {
  try {
    return JSON.parse(text) as {error?: {message?: string}}
  } catch {
    return undefined
  }
}

/** The server's signing key pinned by earlier audit commands, if any: it signs custody documents too. */
function pinnedSigningKey(api: ApiClient): KeyObject | undefined {
  const vkey = readPin(api.options.baseUrl)?.auditKey
  return vkey ? parseVerifierKey(vkey).publicKey : undefined
}
