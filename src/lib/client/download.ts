/**
 * `rtcc request download`: fetch every evidence file of a request (or a whole case) into a folder,
 * checking each SHA-256 on the way in (a mismatch keeps nothing and fails loudly), then write the
 * server-signed custody.json — fetched last, so it records these downloads — and verify the folder
 * offline as a whole before reporting success.
 */
import type {KeyObject} from 'node:crypto'

import {parseVerifierKey} from '../audit/note.js'
import type {CustodyDocument} from '../evidence/custody.js'
import {type EvidenceVerifyReport, saveEvidenceFile, verifyEvidenceDir, writeCustodyFile} from '../evidence/evidence-dir.js'
import {CliError} from '../output/errors.js'
import type {ApiClient} from './api.js'
import {httpError} from './api.js'
import {readPin} from './profiles.js'

export async function downloadEvidence(
  api: ApiClient,
  target: {request?: string; case?: string},
  dir: string,
  onFile?: (name: string, bytes: number) => void,
): Promise<EvidenceVerifyReport> {
  const before = await api.get<CustodyDocument>('/v1/custody', target)
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
      if (error instanceof CliError) throw error
      throw new CliError(`download of ${file.name} FAILED: ${error.message}; nothing was kept`, {code: 'evidence_mismatch', where: file.id, hint: 'The server may have found the stored copy damaged: check its log, and retry.'})
    })
    onFile?.(file.name, saved.bytes)
  }
  await writeCustodyFile(dir, await api.get<CustodyDocument>('/v1/custody', target))
  const report = await verifyEvidenceDir(dir, pinnedSigningKey(api))
  if (!report.ok) throw new CliError(`the downloaded evidence FAILED verification: ${report.problems[0]}`, {code: 'evidence_mismatch', where: dir, result: report})
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
