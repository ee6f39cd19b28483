/** Client side of sharing policies: show them, set them (signed with the owner's key), test a decision. */
import {type CameraPolicy, type DecisionExplanation, defaultPolicy, type OwnerPolicyView, type PolicyView, type VideoKind} from '../domain/policy.js'
import {signPolicyDocument} from '../policy/document.js'
import {applyPolicyChanges, type PolicyChanges} from '../policy/edit.js'
import {RtccError, usageError} from '../errors.js'
import type {ApiClient} from './api.js'
import {ownerSigningKey, type OwnerSigningKey} from './policy-key.js'

const path = (cameraId: string) => `/v1/policies/${encodeURIComponent(cameraId)}`

/** A camera by id, or (for names) the one camera in the caller's policy list with that name. */
export async function resolveCamera(api: ApiClient, idOrName: string): Promise<string> {
  if (/^cam_/.test(idOrName)) return idOrName
  const matches = (await api.get<PolicyView[]>('/v1/policies')).filter((v) => v.cameraName.toLowerCase() === idOrName.toLowerCase())
  if (matches.length === 1) return matches[0]!.cameraId
  throw usageError(matches.length ? `${matches.length} cameras are named "${idOrName}"` : `no camera named "${idOrName}"`, 'Use the camera id (cam_…) from `rtcc policy show`.')
}

export async function showPolicies(api: ApiClient, camera?: string): Promise<PolicyView[]> {
  if (!camera) return api.get<PolicyView[]>('/v1/policies')
  return [await api.get<PolicyView>(path(await resolveCamera(api, camera)))]
}

export interface SetPolicyResult {
  view: OwnerPolicyView
  policy: CameraPolicy
  key: {keyId: string; file: string; created: boolean; registered: boolean}
  warnings: string[]
}

/**
 * Applies the owner's changes to the camera's current policy, signs the new version with the owner's
 * key and uploads it for the Core. Anyone else's attempt is sent as what it is, a change request the
 * server refuses (and audits).
 */
export async function setPolicy(api: ApiClient, camera: string, changes: PolicyChanges, now = new Date()): Promise<SetPolicyResult> {
  const cameraId = await resolveCamera(api, camera)
  const current = await api.get<PolicyView>(path(cameraId))
  if (current.view !== 'owner') {
    await api.request('PUT', path(cameraId), changes)
    throw new RtccError('the server accepted a policy change it must refuse', {code: 'internal'})
  }
  const warnings: string[] = []
  let base = current.policy
  if (!base) {
    warnings.push('this policy was last set on the Core host; the server knows only its modes, so settings you do not pass now (schedules, time zone, emergency minutes) return to their defaults')
    base = {...defaultPolicy(cameraId, now), live: {mode: current.live}, recorded: {mode: current.recorded}, version: current.version}
  }
  const policy = applyPolicyChanges(base, changes, now)
  const signing: OwnerSigningKey = await ownerSigningKey(api)
  const view = await api.post<OwnerPolicyView>('/v1/policies', {document: signPolicyDocument(policy, signing.key)})
  return {view, policy, key: {keyId: signing.key.keyId, file: signing.file, created: signing.created, registered: signing.registered}, warnings}
}

export async function testPolicy(api: ApiClient, camera: string, query: {kind: VideoKind; at?: string; as?: string}): Promise<DecisionExplanation> {
  return api.get<DecisionExplanation>(`${path(await resolveCamera(api, camera))}/decision`, query)
}
