/**
 * Client side of the audit log: save a signed checkpoint, verify the log on the server (and that it
 * extends a checkpoint kept earlier), prove one record's inclusion. Proofs are checked here, against
 * the key in the saved checkpoint, never taken on trust. Offline verification of a database copy is
 * audit/offline.ts; saved checkpoint and key files are read by audit/saved-checkpoint.ts.
 */
import {writeFileSync} from 'node:fs'

import type {ConsistencyProofBundle, InclusionProofBundle} from '../audit/log.js'
import {parseVerifierKey, type NoteVerifier} from '../audit/note.js'
import {loadVerifier, readSavedCheckpoint, type SavedCheckpoint} from '../audit/saved-checkpoint.js'
import {verifyConsistencyBundle, verifyInclusionBundle, type VerifyReport, type VerifyResult} from '../audit/verify.js'
import {RtccError} from '../errors.js'
import type {ApiClient} from './api.js'
import {pinnedAuditKey} from './checkpoint.js'
import {readSeenCheckpoint} from './profiles.js'

export async function saveCheckpoint(api: ApiClient, file?: string): Promise<SavedCheckpoint> {
  const checkpoint = {...(await api.post<SavedCheckpoint>('/v1/audit/checkpoint')), server: api.options.baseUrl}
  trustedAuditKey(api, checkpoint.verifierKey)
  if (file) writeFileSync(file, JSON.stringify(checkpoint, null, 2) + '\n')
  return checkpoint
}

/** The audit key a proof must be signed with: a key file the user gives, else the key pinned for this server. */
export function trustedAuditKey(api: ApiClient, presented: string, publicKeyFile?: string): NoteVerifier {
  return publicKeyFile ? loadVerifier(publicKeyFile) : pinnedAuditKey(api.options.baseUrl, presented)
}

/**
 * Verifies on the server, and that its log extends a checkpoint kept earlier: the file given, else the
 * newest one this machine remembers for the server (read before the first request updates it).
 */
export async function verifyOnServer(api: ApiClient, sinceCheckpointFile?: string): Promise<VerifyReport> {
  const saved = sinceCheckpointFile ? readSavedCheckpoint(sinceCheckpointFile) : readSeenCheckpoint(api.options.baseUrl)
  const result = await api.post<VerifyResult>('/v1/audit/verify')
  const report: VerifyReport = {...result, mode: 'server'}
  if (saved) {
    const verifier = parseVerifierKey(saved.verifierKey)
    let consistency: {ok: boolean; problems: string[]}
    let bundle: ConsistencyProofBundle | undefined
    try {
      bundle = await api.get<ConsistencyProofBundle>('/v1/audit/consistency', {from: saved.size})
      consistency = verifyConsistencyBundle(saved.note, bundle, verifier)
    } catch (error) {
      consistency = {ok: false, problems: [(error as Error).message]}
    }
    report.sinceCheckpoint = {file: sinceCheckpointFile ?? 'remembered', size: saved.size, currentSize: bundle?.toSize, ...consistency}
    report.ok &&= consistency.ok
    report.problems = [...report.problems, ...consistency.problems]
  }
  return report
}

export async function proveRecord(api: ApiClient, recordId: string, publicKeyFile?: string): Promise<InclusionProofBundle & {verified: boolean; problems: string[]}> {
  const bundle = await api.get<InclusionProofBundle & {verifierKey: string}>(`/v1/audit/proof/${encodeURIComponent(recordId)}`)
  const check = verifyInclusionBundle(bundle, trustedAuditKey(api, bundle.verifierKey, publicKeyFile))
  if (!check.ok) throw new RtccError(`the server's inclusion proof for ${recordId} does not verify: ${check.problems.join('; ')}`, {code: 'proof_invalid'})
  return {...bundle, verified: true, problems: []}
}
