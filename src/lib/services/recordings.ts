/**
 * Recorded video kept on Cores: an investigator lists what a camera's Core holds and pulls a window
 * of it into a case's evidence. The server's copy of the owner's policy refuses first (defence in
 * depth); when it allows, the Core decides with its own local policy for recorded video, and only
 * what it releases arrives. A pull becomes a fulfilled footage request of the case with one evidence
 * file: the Core is the uploader, and the request's timeline (custody.json) carries the Core's facts
 * (segment hashes, the signed chain head, clock offset, the policy's reason, who asked). Every list,
 * pull and refusal is audited and published as an event.
 */
import {randomBytes} from 'node:crypto'
import type {Readable} from 'node:stream'

import type {Requester} from '../domain/core.js'
import {newId} from '../domain/ids.js'
import type {PullManifest, PullResult, RecordingList, TimeRange} from '../domain/recording.js'
import type {IngestedVideo} from '../evidence/ingest.js'
import {serverDecision} from '../server/core-link/server-policy.js'
import {badRequest, HttpError, notFound} from '../server/http-error.js'
import {cameraScope} from '../server/scope.js'
import type {Actor, ServiceContext} from './context.js'
import {evidenceRecord} from './evidence.js'
import {requesterOf} from './streams.js'

const MAX_PULL_MS = 6 * 3_600_000

async function recordedAccess(ctx: ServiceContext, actor: Actor, cameraId: string, op: 'list' | 'pull', window: TimeRange) {
  if (!(Date.parse(window.from) < Date.parse(window.to))) throw badRequest(`--from (${window.from}) must be before --to (${window.to})`, 'from')
  const camera = await ctx.store.cameras.getCamera(await cameraScope(ctx, actor), cameraId)
  if (!camera) throw notFound(`camera ${cameraId}`)
  const requester = await requesterOf(ctx, actor)
  ctx.note({target: camera.id, detail: {op, window, agency: requester.agencyName}})
  const core = await ctx.store.cores.coreForCamera(camera.id)
  if (!core) throw new HttpError(409, 'no_core', `camera ${camera.name} is not served by a Core, so it has no recordings rtcc can reach; ask the owner for a clip`)
  const session = ctx.cores.session(core.id)
  if (!session) throw new HttpError(503, 'core_offline', `the Core "${core.name}" serving ${camera.name} is offline; try again when it reconnects`)
  const warning = (await ctx.cores.policyWarning(session, camera.id)) ?? undefined
  const mine = await serverDecision(ctx, camera, {kind: 'recorded', requester: {role: requester.role, userId: requester.userId, agencyId: requester.agencyId}, at: ctx.now()})
  const refused = (decidedBy: 'server' | 'core', decision: {code: string; reason: string}) => {
    ctx.note({detail: {op, window, agency: requester.agencyName, decidedBy, policyCode: decision.code, policyReason: decision.reason, policyWarning: warning}})
    ctx.events.publish({type: 'recording.refused', severity: 'warning', ownerId: camera.ownerId, data: {cameraId: camera.id, cameraName: camera.name, op, decidedBy, reason: decision.reason, requester: requester.username, agency: requester.agencyName}})
    const who = decidedBy === 'server' ? "the owner's policy, as the server holds it, refuses (the Core was not asked)" : "the owner's Core refused"
    return new HttpError(403, 'policy_denied', `${who}: ${decision.reason}${warning ? `; note: ${warning}` : ''}`, undefined, {decision: {...decision, allow: false, until: null}})
  }
  if (!mine.allow) throw refused('server', mine)
  const ask = async () => {
    const reply = await ctx.cores.recordings.ask(session, {op, cameraId: camera.id, window, requester, server: {allowed: true, ...(warning ? {note: warning} : {})}})
    if (!reply.answer.decision.allow) throw refused('core', reply.answer.decision)
    return reply
  }
  return {camera, core, requester, ask}
}

/** `rtcc recordings list`: the ranges the Core holds for the camera in the window, with gaps. */
export async function listRecordings(ctx: ServiceContext, actor: Actor, input: {cameraId: string; window: TimeRange}): Promise<RecordingList> {
  const {camera, core, requester, ask} = await recordedAccess(ctx, actor, input.cameraId, 'list', input.window)
  const {answer} = await ask()
  const result: RecordingList = {
    cameraId: camera.id, cameraName: camera.name, coreId: core.id, window: input.window,
    ranges: answer.ranges ?? [], gaps: answer.gaps ?? [], policy: {code: answer.decision.code, reason: answer.decision.reason},
  }
  await ctx.audited(() => undefined, {detail: {op: 'list', window: input.window, agency: requester.agencyName, decidedBy: 'core', policyCode: answer.decision.code, policyReason: answer.decision.reason, ranges: result.ranges.length, gaps: result.gaps.length}})
  ctx.events.publish({type: 'recording.listed', ownerId: camera.ownerId, data: {cameraId: camera.id, cameraName: camera.name, requester: requester.username, agency: requester.agencyName, ranges: result.ranges.length}})
  return result
}

/** `rtcc recordings pull`: the Core cuts the window and uploads it as evidence of the case. */
export async function pullRecording(ctx: ServiceContext, actor: Actor, input: {cameraId: string; window: TimeRange; caseId?: string; source: string | null}): Promise<PullResult> {
  if (Date.parse(input.window.to) - Date.parse(input.window.from) > MAX_PULL_MS) throw badRequest(`a pull covers at most ${MAX_PULL_MS / 3_600_000} hours; split the window`, 'to')
  const {camera, core, requester, ask} = await recordedAccess(ctx, actor, input.cameraId, 'pull', input.window)
  const started = {cameraId: camera.id, cameraName: camera.name, requester: requester.username, agency: requester.agencyName, window: input.window}
  ctx.events.publish({type: 'recording.pull.started', ownerId: camera.ownerId, data: started})
  let clip: IngestedVideo | undefined
  try {
    const reply = await ask()
    const {answer} = reply
    const manifest = answer.manifest
    if (answer.error || !manifest || !reply.clip) throw new HttpError(502, 'recording_failed', `the Core could not release the recording: ${answer.error ?? 'it sent no clip'}`)
    clip = reply.clip
    if (manifest.clip.sha256 !== clip.sha256 || manifest.cameraId !== camera.id || manifest.coreId !== core.id)
      throw new HttpError(502, 'recording_mismatch', "the clip the Core uploaded does not match the manifest it signed for: it was not kept")
    const result = await keepPull(ctx, actor, {camera, core, requester, manifest, clip, caseId: input.caseId, source: input.source, policy: answer.decision})
    ctx.events.publish({type: 'recording.pulled', ownerId: camera.ownerId, data: {...started, caseId: result.caseId, evidenceId: result.evidenceId, bytes: result.bytes}})
    return result
  } catch (error) {
    if (clip) await ctx.evidence.delete(clip.id)
    ctx.events.publish({type: 'recording.pull.ended', ownerId: camera.ownerId, data: {...started, error: (error as Error).message}})
    throw error
  }
}

interface KeepInput {
  camera: {id: string; name: string; ownerId: string; latitude: number; longitude: number}
  core: {id: string; name: string}
  requester: Requester
  manifest: PullManifest
  clip: IngestedVideo
  caseId?: string
  source: string | null
  policy: {code: string; reason: string}
}

/** The pull as a fulfilled request of the case holding the clip, with the Core's facts in its timeline. */
async function keepPull(ctx: ServiceContext, actor: Actor, k: KeepInput): Promise<PullResult> {
  const now = ctx.now().toISOString()
  const requestId = newId('req')
  const caseId = k.caseId ?? `pull-${now.slice(0, 10)}-${randomBytes(3).toString('hex')}`
  const agency = actor.user.agency_id ? await ctx.store.agencies.getAgency(actor.user.agency_id) : undefined
  const issuedBy = {id: actor.user.id, role: actor.role, name: actor.user.username}
  const coreActor = {id: k.core.id, role: 'core', name: `core ${k.core.name}`}
  const record = evidenceRecord(k.clip, {requestId, cameraId: k.camera.id}, {uploadedBy: coreActor, uploadedAt: now, uploadedFrom: null, originalName: null, recorderClockOffsetSeconds: k.manifest.cameraClockOffsetSeconds, derivation: null})
  const custodyFacts = {
    coreId: k.core.id, cameraId: k.camera.id, window: k.manifest.window, clip: k.manifest.clip, segments: k.manifest.segments, gaps: k.manifest.gaps,
    chainHead: k.manifest.chainHead, corePublicKey: k.manifest.corePublicKey, cameraClockOffsetSeconds: k.manifest.cameraClockOffsetSeconds,
    requester: k.requester, policyCode: k.policy.code, policyReason: k.policy.reason, cutBy: k.manifest.tool,
  }
  await ctx.audited(
    async () => {
      await ctx.store.requests.insertRequest({
        id: requestId, caseId, agencyId: agency?.id ?? null, agencyName: agency?.name ?? 'rtcc', issuedBy, source: k.source, ownerId: k.camera.ownerId,
        latitude: k.camera.latitude, longitude: k.camera.longitude, radiusMetres: 0, from: k.manifest.window.from, to: k.manifest.window.to,
        reason: `recorded video pulled from the owner's Core under its policy: ${k.policy.reason}`.slice(0, 1000), tokenHash: randomBytes(32), expiresAt: now,
        cameras: [{cameraId: k.camera.id, name: k.camera.name, distanceMetres: 0, facesIncident: null}], now,
      })
      await ctx.store.requests.addTimeline(requestId, {time: now, actor: coreActor, from: null, event: 'pulled-from-core', target: record.id, detail: custodyFacts})
      await ctx.store.evidence.insertEvidence(record)
      await ctx.store.requests.addTimeline(requestId, {time: now, actor: coreActor, from: null, event: 'uploaded', target: record.id, detail: {sha256: record.sha256, size: record.size, parent: null}})
      await ctx.store.requests.setRequestStatus(requestId, 'fulfilled', now)
    },
    {action: 'recording.pull', target: k.camera.id, detail: {requestId, caseId, evidenceId: record.id, window: k.manifest.window, agency: k.requester.agencyName, decidedBy: 'core', policyCode: k.policy.code, policyReason: k.policy.reason, sha256: record.sha256, segments: k.manifest.segments.length, chainHead: k.manifest.chainHead.hash}},
  )
  return {
    cameraId: k.camera.id, caseId, requestId, evidenceId: record.id, sha256: record.sha256, bytes: record.size,
    durationSeconds: Number(k.clip.media.durationSeconds ?? 0), window: k.manifest.window, policy: {code: k.policy.code, reason: k.policy.reason}, manifest: k.manifest,
  }
}

/** The Core's clip upload on a pull's one-time token. */
export async function receiveRecordingUpload(ctx: ServiceContext, input: {token: string | undefined; body: Readable | undefined}): Promise<{sha256: string; bytes: number}> {
  if (!input.token) throw new HttpError(401, 'upload_token', 'the upload token is missing')
  if (!input.body) throw badRequest('send the clip as the request body (application/octet-stream)')
  const clip = await ctx.cores.recordings.receive(input.token, input.body)
  await ctx.audited(() => undefined, {target: clip.id, subject: {id: null, name: 'Core (upload token)', role: 'core'}, detail: {sha256: clip.sha256, bytes: clip.bytes}})
  return {sha256: clip.sha256, bytes: clip.bytes}
}
