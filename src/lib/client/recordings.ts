/**
 * `rtcc recordings list|pull`: recorded video on the owner's Core. A pull asks the server, which asks
 * the Core (its policy decides); the clip arrives as evidence of the case and is then downloaded and
 * verified like any evidence (SHA-256, the server-signed custody.json), plus the Core's own signature
 * over its chain head, checked with the Core key named in custody.
 */
import type {CustodyDocument} from '../evidence/custody.js'
import type {EvidenceVerifyReport} from '../evidence/evidence-dir.js'
import {chainSigningBytes, type CoreAnswer, type PullResult, type RecordingList} from '../domain/recording.js'
import {verifySignature} from '../core/identity.js'
import {RtccError} from '../errors.js'
import type {AnswerClient} from './answer.js'
import type {ApiClient} from './api.js'
import {downloadEvidence} from './download.js'

/** `rtcc request fulfil REQ --from-core`: the owner's Core answers the request from its recordings. */
export function fulfilFromCore(answer: AnswerClient): Promise<CoreAnswer> {
  return answer.api.post<CoreAnswer>(`${answer.path}/from-core`)
}

export function listRecordings(api: ApiClient, camera: string, window: {from?: string; to?: string}): Promise<RecordingList> {
  return api.get<RecordingList>(`/v1/recordings/${encodeURIComponent(camera)}`, window)
}

export interface PulledRecording extends PullResult {
  download: EvidenceVerifyReport
  /** The Core's signature over its chain head, as recorded in custody.json, verified. */
  coreSignature: 'verified'
}

export async function pullRecording(api: ApiClient, camera: string, input: {from: string; to: string; caseId?: string}, dir: string, onFile?: (name: string, bytes: number) => void): Promise<PulledRecording> {
  const pulled = await api.post<PullResult>(`/v1/recordings/${encodeURIComponent(camera)}/pull`, input)
  const download = await downloadEvidence(api, {request: pulled.requestId}, dir, onFile)
  const problem = coreCustodyProblem(await api.get<CustodyDocument>('/v1/custody', {request: pulled.requestId}), pulled.evidenceId)
  if (problem) throw new RtccError(`the pulled clip's Core facts FAILED verification: ${problem}`, {code: 'evidence_mismatch', where: pulled.requestId})
  return {...pulled, download, coreSignature: 'verified'}
}

interface CoreFacts {
  coreId: string
  cameraId: string
  clip: {sha256: string}
  chainHead: {seq: number; hash: string; signature: string}
  corePublicKey: string
}

/**
 * Checks a custody document's `pulled-from-core` entry for the file: the Core's signature over its
 * chain head, and the clip hash it stated against the file's. Null when both hold.
 */
export function coreCustodyProblem(custody: CustodyDocument, evidenceId: string): string | null {
  const entry = custody.timeline.find((e) => e.action === 'pulled-from-core' && e.target === evidenceId)
  const file = custody.files.find((f) => f.id === evidenceId)
  if (!entry?.detail || !file) return `custody.json has no pulled-from-core entry for ${evidenceId}`
  const facts = entry.detail as unknown as CoreFacts
  if (facts.clip.sha256 !== file.sha256) return `the Core stated SHA-256 ${facts.clip.sha256} for the clip, the file has ${file.sha256}`
  if (!verifySignature(facts.corePublicKey, chainSigningBytes(facts.coreId, facts.cameraId, facts.chainHead.seq, facts.chainHead.hash), facts.chainHead.signature))
    return `the chain head ${facts.chainHead.seq} does not carry the signature of Core ${facts.coreId}`
  return null
}
