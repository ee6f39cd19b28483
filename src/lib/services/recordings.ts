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
import type {CoreAnswer, PullManifest, PullResult, RecordingList, TimeRange} from '../domain/recording.js'
import type {IngestedVideo} from '../evidence/ingest.js'
import {OPEN_STATUSES} from '../domain/requests.js'
import type {ServerContext} from '../server/context.js'
import {auditNow} from '../server/core-link/audit.js'
import {serverDecision} from '../server/core-link/server-policy.js'
import {badRequest, HttpError, notFound} from '../server/http-error.js'
import {cameraScope} from '../server/scope.js'
import type {TimelineActor} from '../domain/requests.js'
import type {EvidenceRecord} from '../store/evidence.js'
import type {RequestRow} from '../store/requests.js'
import type {Actor, ServiceContext} from './context.js'
import {evidenceRecord} from './evidence.js'
import {moveRequest, timelineActor} from './request-workflow.js'
import {systemContext} from './system.js'
import {type Answerer, answerableRequest} from './requests.js'

const MAX_PULL_MS = 6 * 3_600_000

type CameraRow = {id: string; name: string; ownerId: string; latitude: number; longitude: number}

/** An agency user's requester facts, as the Core is told them. */
async function requesterFor(ctx: ServiceContext, user: {id: string; username: string; role: string; agency_id: string | null}): Promise<Requester> {
  const agency = user.agency_id ? await ctx.store.agencies.getAgency(user.agency_id) : undefined
  return {userId: user.id, username: user.username, role: user.role, agencyId: agency?.id ?? null, agencyName: agency?.name ?? null}
}

/**
 * The camera's Core, asked about recorded video for `requester`: refused with 403 by the server's copy
 * of the policy before the Core is asked, or by the Core itself (both audited and announced).
 */
async function recordedAccess(ctx: ServiceContext, camera: CameraRow, requester: Requester, op: 'list' | 'pull', window: TimeRange) {
  if (!(Date.parse(window.from) < Date.parse(window.to))) throw badRequest(`--from (${window.from}) must be before --to (${window.to})`, 'from')
  ctx.note({target: camera.id, detail: {op, window, agency: requester.agencyName}})
  const core = await ctx.store.cores.coreForCamera(camera.id)
  if (!core) throw new HttpError(409, 'no_core', `camera ${camera.name} is not served by a Core, so it has no recordings rtcc can reach; ask the owner for a clip`)
  const session = ctx.cores.session(core.id)
  if (!session) throw new HttpError(503, 'core_offline', `the Core "${core.name}" serving ${camera.name} is offline; try again when it reconnects`)
  const warning = (await ctx.cores.policyWarning(session, camera.id)) ?? undefined
  const mine = await serverDecision(ctx, camera, {kind: 'recorded', requester: {role: requester.role, userId: requester.userId, agencyId: requester.agencyId}, at: ctx.now(), window})
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
  return {core, ask}
}

async function visibleCamera(ctx: ServiceContext, actor: Actor, cameraId: string): Promise<CameraRow> {
  const camera = await ctx.store.cameras.getCamera(await cameraScope(ctx, actor), cameraId)
  if (!camera) throw notFound(`camera ${cameraId}`)
  return camera
}

/** `rtcc recordings list`: the ranges the Core holds for the camera in the window, with gaps. */
export async function listRecordings(ctx: ServiceContext, actor: Actor, input: {cameraId: string; window: TimeRange}): Promise<RecordingList> {
  const camera = await visibleCamera(ctx, actor, input.cameraId)
  const requester = await requesterFor(ctx, {...actor.user, role: actor.role})
  const {core, ask} = await recordedAccess(ctx, camera, requester, 'list', input.window)
  const {answer} = await ask()
  const result: RecordingList = {
    cameraId: camera.id, cameraName: camera.name, coreId: core.id, window: input.window,
    ranges: answer.ranges ?? [], gaps: answer.gaps ?? [], policy: {code: answer.decision.code, reason: answer.decision.reason},
  }
  await ctx.audited(() => undefined, {detail: {op: 'list', window: input.window, agency: requester.agencyName, decidedBy: 'core', policyCode: answer.decision.code, policyReason: answer.decision.reason, ranges: result.ranges.length, gaps: result.gaps.length}})
  ctx.events.publish({type: 'recording.listed', ownerId: camera.ownerId, data: {cameraId: camera.id, cameraName: camera.name, requester: requester.username, agency: requester.agencyName, ranges: result.ranges.length}})
  return result
}

/** A clip the Core released, checked against the manifest it sent, not yet recorded anywhere. */
interface PulledClip {
  camera: CameraRow
  core: {id: string; name: string}
  requester: Requester
  manifest: PullManifest
  clip: IngestedVideo
  policy: {code: string; reason: string}
}

/**
 * Asks the camera's Core for the window; announces the pull's start and end (the dashboard shows pulls
 * in progress). A clip that arrives but is not kept by the caller must be deleted by it.
 */
async function pullClip(ctx: ServiceContext, camera: CameraRow, requester: Requester, window: TimeRange): Promise<PulledClip> {
  if (Date.parse(window.to) - Date.parse(window.from) > MAX_PULL_MS) throw badRequest(`a pull covers at most ${MAX_PULL_MS / 3_600_000} hours; split the window`, 'to')
  const {core, ask} = await recordedAccess(ctx, camera, requester, 'pull', window)
  const announced = {cameraId: camera.id, cameraName: camera.name, requester: requester.username, agency: requester.agencyName, window}
  ctx.events.publish({type: 'recording.pull.started', ownerId: camera.ownerId, data: announced})
  let clip: IngestedVideo | undefined
  try {
    const {answer, clip: uploaded} = await ask()
    clip = uploaded
    const manifest = answer.manifest
    if (answer.error || !manifest || !clip) throw new HttpError(502, 'recording_failed', `the Core could not release the recording: ${answer.error ?? 'it sent no clip'}`)
    if (manifest.clip.sha256 !== clip.sha256 || manifest.cameraId !== camera.id || manifest.coreId !== core.id)
      throw new HttpError(502, 'recording_mismatch', 'the clip the Core uploaded does not match the manifest it sent: it was not kept')
    ctx.events.publish({type: 'recording.pull.ended', ownerId: camera.ownerId, data: {...announced, bytes: clip.bytes}})
    return {camera, core, requester, manifest, clip, policy: {code: answer.decision.code, reason: answer.decision.reason}}
  } catch (error) {
    if (clip) await ctx.evidence.delete(clip.id)
    ctx.events.publish({type: 'recording.pull.ended', ownerId: camera.ownerId, data: {...announced, error: (error as Error).message}})
    throw error
  }
}

/** Inside the caller's audited transaction: the clip as evidence of the request, the Core's facts in its timeline. */
async function keepClip(ctx: ServiceContext, requestId: string, p: PulledClip, now: string): Promise<EvidenceRecord> {
  const coreActor = {id: p.core.id, role: 'core', name: `core ${p.core.name}`}
  const record = evidenceRecord(p.clip, {requestId, cameraId: p.camera.id}, {uploadedBy: coreActor, uploadedAt: now, uploadedFrom: null, originalName: null, recorderClockOffsetSeconds: p.manifest.cameraClockOffsetSeconds, derivation: null})
  const m = p.manifest
  const facts = {
    coreId: p.core.id, cameraId: p.camera.id, window: m.window, clip: m.clip, segments: m.segments, gaps: m.gaps, chainHead: m.chainHead, corePublicKey: m.corePublicKey,
    cameraClockOffsetSeconds: m.cameraClockOffsetSeconds, requester: p.requester, policyCode: p.policy.code, policyReason: p.policy.reason, cutBy: m.tool,
  }
  await ctx.store.requests.addTimeline(requestId, {time: now, actor: coreActor, from: null, event: 'pulled-from-core', target: record.id, detail: facts})
  await ctx.store.evidence.insertEvidence(record)
  await ctx.store.requests.addTimeline(requestId, {time: now, actor: coreActor, from: null, event: 'uploaded', target: record.id, detail: {sha256: record.sha256, size: record.size, parent: null}})
  return record
}

const pullFacts = (p: PulledClip, record: EvidenceRecord) => ({
  evidenceId: record.id, window: p.manifest.window, agency: p.requester.agencyName, decidedBy: 'core', policyCode: p.policy.code, policyReason: p.policy.reason,
  sha256: record.sha256, segments: p.manifest.segments.length, chainHead: p.manifest.chainHead.hash,
})

/** `rtcc recordings pull`: the Core cuts the window; it is kept as a fulfilled request of the case holding the clip. */
export async function pullRecording(ctx: ServiceContext, actor: Actor, input: {cameraId: string; window: TimeRange; caseId?: string; source: string | null}): Promise<PullResult> {
  const camera = await visibleCamera(ctx, actor, input.cameraId)
  const requester = await requesterFor(ctx, {...actor.user, role: actor.role})
  const pulled = await pullClip(ctx, camera, requester, input.window)
  const now = ctx.now().toISOString()
  const requestId = newId('req')
  const caseId = input.caseId ?? `pull-${now.slice(0, 10)}-${randomBytes(3).toString('hex')}`
  try {
    const record = await ctx.audited(
      async () => {
        await ctx.store.requests.insertRequest({
          id: requestId, caseId, agencyId: requester.agencyId, agencyName: requester.agencyName ?? 'rtcc', issuedBy: timelineActor(actor), source: input.source, ownerId: camera.ownerId,
          latitude: camera.latitude, longitude: camera.longitude, radiusMetres: 0, from: input.window.from, to: input.window.to,
          reason: `recorded video pulled from the owner's Core under its policy: ${pulled.policy.reason}`.slice(0, 1000), tokenHash: randomBytes(32), expiresAt: now,
          cameras: [{cameraId: camera.id, name: camera.name, distanceMetres: 0, facesIncident: null}], now,
        })
        const kept = await keepClip(ctx, requestId, pulled, now)
        await ctx.store.requests.setRequestStatus(requestId, 'fulfilled', now)
        return kept
      },
      (kept) => ({target: camera.id, detail: {requestId, caseId, ...pullFacts(pulled, kept)}}),
    )
    ctx.events.publish({type: 'recording.pulled', ownerId: camera.ownerId, data: {cameraId: camera.id, cameraName: camera.name, caseId, requestId, evidenceId: record.id, bytes: record.size, requester: requester.username}})
    return {
      cameraId: camera.id, caseId, requestId, evidenceId: record.id, sha256: record.sha256, bytes: record.size,
      durationSeconds: Number(pulled.clip.media.durationSeconds ?? 0), window: input.window, policy: pulled.policy, manifest: pulled.manifest,
    }
  } catch (error) {
    await ctx.evidence.delete(pulled.clip.id)
    throw error
  }
}

/**
 * `rtcc request fulfil REQ --from-core` (the owner, by session or email token) and the automatic answer: each camera of the
 * request is pulled from its Core for the request's window, as for the investigator who issued it,
 * so the Core's recorded-video policy decides each one. What arrives becomes evidence of the request;
 * the request is fulfilled when every camera delivered.
 */
export async function fulfilFromCore(ctx: ServiceContext, who: Answerer, input: {source: string | null}): Promise<CoreAnswer> {
  const {row, actor} = await answerableRequest(ctx, who)
  return answerFromCore(ctx, row, actor, input.source)
}

async function answerFromCore(ctx: ServiceContext, row: RequestRow, by: TimelineActor, source: string | null, only?: string): Promise<CoreAnswer> {
  const issuer = await ctx.store.users.findUserById(row.issued_by)
  if (!issuer) throw new HttpError(409, 'no_requester', `the investigator who issued ${row.id} no longer has an account; the Core cannot decide for nobody`)
  const requester = await requesterFor(ctx, issuer)
  const window = {from: row.window_from, to: row.window_to}
  const pulled: PulledClip[] = []
  const cameras: CoreAnswer['cameras'] = []
  const requestCameras = await ctx.store.requests.requestCameras(row.id)
  for (const c of requestCameras) {
    if (only && c.cameraId !== only) continue
    const camera = await ctx.store.cameras.getCamera({kind: 'all'}, c.cameraId)
    const got = camera ? await pullClip(ctx, camera, requester, window).catch((error: Error) => error) : new Error('camera not in the registry')
    // The automatic answer for one camera is refused as a whole (and audited so).
    if (got instanceof Error && only) throw got
    if (got instanceof Error) cameras.push({cameraId: c.cameraId, name: c.name, evidenceId: null, refused: got.message})
    else pulled.push(got)
  }
  const now = ctx.now().toISOString()
  let publish: (() => void) | undefined
  try {
    await ctx.audited(
      async () => {
        for (const p of pulled) cameras.push({cameraId: p.camera.id, name: p.camera.name, evidenceId: (await keepClip(ctx, row.id, p, now)).id, refused: null})
        const delivered = new Set((await ctx.store.evidence.evidenceForRequest(row.id)).map((e) => e.cameraId))
        if (pulled.length > 0 && requestCameras.every((c) => delivered.has(c.cameraId))) publish = await moveRequest(ctx, row, 'fulfilled', by, source, {files: cameras.map((c) => c.evidenceId), fromCore: true})
      },
      {
        target: only ?? row.id,
        detail: {kind: 'recorded', requestId: row.id, fromCore: true, policyReason: pulled[0]?.policy.reason, agency: requester.agencyName, cameras: cameras.map((c) => ({cameraId: c.cameraId, evidenceId: c.evidenceId, refused: c.refused}))},
      },
    )
  } catch (error) {
    for (const p of pulled) await ctx.evidence.delete(p.clip.id)
    throw error
  }
  publish?.()
  for (const c of cameras) if (c.evidenceId) ctx.events.publish({type: 'recording.pulled', ownerId: row.owner_id, data: {cameraId: c.cameraId, cameraName: c.name, caseId: row.case_id, requestId: row.id, evidenceId: c.evidenceId, requester: requester.username, answeredBy: by.name}})
  return {requestId: row.id, status: (await ctx.store.requests.getRequestRow(row.id))!.status, cameras}
}

/** Who answers a request automatically, in its timeline. */
const AUTO_ANSWER: TimelineActor = {id: 'server', role: 'system', name: "automatic answer from the owner's Core"}

/**
 * The automatic answer to a new request for a camera whose owner set it (`core camera record
 * --auto-answer`): the camera's window is pulled as for the issuing investigator, audited against
 * the camera (so the owner's access report shows it), a refusal included.
 */
export async function autoAnswer(server: ServerContext, requestId: string, cameraId: string): Promise<void> {
  const ctx = systemContext(server, {action: 'recording.auto_answer', target: cameraId, detail: {kind: 'recorded', requestId}})
  const row = await ctx.store.requests.getRequestRow(requestId)
  if (!row || !OPEN_STATUSES.includes(row.status)) return
  try {
    await answerFromCore(ctx, row, AUTO_ANSWER, null, cameraId)
  } catch (error) {
    await auditNow(server, {action: 'recording.auto_answer', outcome: 'denied', actorName: 'rtcc server', role: 'system', target: cameraId, source: 'server', detail: {kind: 'recorded', requestId, reason: (error as Error).message.slice(0, 500)}})
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
