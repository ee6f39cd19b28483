/** Client side of access requests (investigator asks, owner answers with a signed window) and the owner's access report. */
import {ACCESS_MAX_SECONDS, ACCESS_MIN_SECONDS, type AccessReport, type AccessRequest, type AccessStatus, type RecordedWindow} from '../domain/access.js'
import {signApproval} from '../policy/document.js'
import {usageError} from '../errors.js'
import type {ApiClient} from './api.js'
import {ownerSigningKey} from './policy-key.js'
import {resolveCamera} from './policy.js'

const path = (id: string) => `/v1/access-requests/${encodeURIComponent(id)}`

/** An access window lasts from a minute up to 24 h: checked here so a wrong --duration is a usage error before any request. */
function windowSeconds(durationMs: number): number {
  const seconds = Math.round(durationMs / 1000)
  if (seconds < ACCESS_MIN_SECONDS || seconds > ACCESS_MAX_SECONDS) throw usageError(`--duration: a window lasts from 1m up to 24h, not ${seconds} s`, 'Pass e.g. --duration 15m.')
  return seconds
}

/** `recorded` (a recorded window from..to) asks for that recorded video only; otherwise live video. */
export async function requestAccess(api: ApiClient, input: {camera: string; reason: string; durationMs: number; recorded?: RecordedWindow}): Promise<AccessRequest> {
  const durationSeconds = windowSeconds(input.durationMs)
  if (input.recorded && !(Date.parse(input.recorded.from) < Date.parse(input.recorded.to))) throw usageError(`--from (${input.recorded.from}) must be before --to (${input.recorded.to})`)
  const cameraId = await resolveCamera(api, input.camera)
  const kind = input.recorded ? {kind: 'recorded', recorded: input.recorded} : {}
  return api.post<AccessRequest>('/v1/access-requests', {cameraId, reason: input.reason, durationSeconds, ...kind})
}

export const listAccessRequests = (api: ApiClient, status?: AccessStatus): Promise<AccessRequest[]> => api.get<AccessRequest[]>('/v1/access-requests', {status})

/** Approves from now for the requested duration (or a shorter or longer one the owner chooses, up to 24 h). */
export async function approveAccess(api: ApiClient, id: string, options: {durationMs?: number} = {}, now = new Date()): Promise<AccessRequest> {
  const request = await api.get<AccessRequest>(path(id))
  const seconds = options.durationMs === undefined ? request.durationSeconds : windowSeconds(options.durationMs)
  const {key} = await ownerSigningKey(api)
  const statement = signApproval(
    {requestId: request.id, cameraId: request.cameraId, requesterId: request.requester.id, from: now.toISOString(), until: new Date(now.getTime() + seconds * 1000).toISOString(),
     ...(request.recorded ? {kind: 'recorded' as const, recorded: request.recorded} : {})},
    key,
  )
  return api.post<AccessRequest>(`${path(id)}/approve`, {statement})
}

export const denyAccess = (api: ApiClient, id: string, reason?: string): Promise<AccessRequest> => api.post<AccessRequest>(`${path(id)}/deny`, {reason})

export const revokeAccess = (api: ApiClient, id: string, reason?: string): Promise<AccessRequest> => api.post<AccessRequest>(`${path(id)}/revoke`, {reason})

export const accessReport = (api: ApiClient, since?: string): Promise<AccessReport> => api.get<AccessReport>('/v1/owners/me/access-report', {since})
