/**
 * Live video: an agency viewer asks for a camera; the server asks the Core that serves it, and only if
 * the Core's own policy allows does the viewer get a short-lived signed URL to the relayed fragmented
 * MP4 stream (the relay itself is core-link/streams.ts). Every start, view, watch and stop is audited
 * (target: the camera; detail: kind, the Core's policy reason, the viewer's agency) and starts and
 * stops are published as events.
 */
import type {ServerResponse} from 'node:http'

import type {Requester} from '../domain/core.js'
import type {StreamGrant, StreamKind, StreamView} from '../domain/stream.js'
import {serverDecision} from '../server/core-link/server-policy.js'
import {decodeFirstFrame} from '../server/core-link/snapshot.js'
import {policyMode} from '../server/core-link/streams.js'
import {forbidden, HttpError, notFound} from '../server/http-error.js'
import {cameraScope} from '../server/scope.js'
import type {Actor, ServiceContext} from './context.js'

/** Who asks, as the Core is told. */
export async function requesterOf(ctx: ServiceContext, actor: Actor): Promise<Requester> {
  const agency = actor.user.agency_id ? await ctx.store.agencies.getAgency(actor.user.agency_id) : undefined
  return {userId: actor.user.id, username: actor.user.username, role: actor.role, agencyId: agency?.id ?? null, agencyName: agency?.name ?? null}
}

export interface OpenInput {
  cameraId: string
  kind: StreamKind
  urlSeconds: number
  /** `https://host:port` the viewer reached, for the watch URL. */
  baseUrl: string
}

/**
 * Refuses when the server's copy of the policy does, else asks the camera's Core for a view; on
 * either refusal throws 403 with the reason (audited as a denied view, with who decided and any
 * difference between the server's copy and the Core's). On success audits `stream.start` (this
 * request started the relay) or `stream.view`.
 */
async function openView(ctx: ServiceContext, actor: Actor, input: OpenInput, snapshot: boolean): Promise<StreamGrant> {
  const {cameraId, kind, urlSeconds} = input
  const camera = await ctx.store.cameras.getCamera(await cameraScope(ctx, actor), cameraId)
  if (!camera) throw notFound(`camera ${cameraId}`)
  const requester = await requesterOf(ctx, actor)
  ctx.note({target: camera.id, detail: {kind, agency: requester.agencyName, snapshot}})
  const core = await ctx.store.cores.coreForCamera(camera.id)
  if (!core) throw new HttpError(409, 'not_live', `camera ${camera.name} is not served by a Core, so rtcc cannot relay its video`)
  const hub = ctx.cores
  const session = hub.session(core.id)
  if (!session && !hub.router) throw coreOffline(core.name, camera.name)
  // Defence in depth: the server's copy of the policy refuses first; when it allows, the Core decides.
  const mine = await serverDecision(ctx, camera, {kind, requester: {role: requester.role, userId: requester.userId, agencyId: requester.agencyId}, at: ctx.now()})
  if (!mine.allow) {
    const warning = session ? ((await hub.policyWarning(session, camera.id)) ?? undefined) : undefined
    ctx.note({detail: {kind, agency: requester.agencyName, snapshot, decidedBy: 'server', policyReason: mine.reason, policyCode: mine.code, policyWarning: warning}})
    const decision = {allow: false, code: mine.code, reason: mine.reason, until: null}
    throw new HttpError(403, 'policy_denied', `the owner's policy, as the server holds it, refuses (the Core was not asked): ${mine.reason}${warning ? `; note: ${warning}` : ''}`, undefined, {decision})
  }
  // The Core may be linked to this instance or, with a bus, to another one, which opens the view for us.
  const opened = session
    ? await (async () => {
        const warning = await hub.policyWarning(session, camera.id)
        const result = await hub.streams.open({camera: {id: camera.id, name: camera.name}, core, session, kind, requester, urlSeconds, baseUrl: input.baseUrl, snapshot, serverNote: warning ?? undefined})
        return {result, warning}
      })()
    : await hub.router!.open(core.id, {cameraId: camera.id, kind, requester, urlSeconds, snapshot})
  if (!opened) throw coreOffline(core.name, camera.name)
  const {result} = opened
  const warning = opened.warning ?? undefined
  const note = warning ? `; note: ${warning}` : ''
  if (!result.allowed) {
    ctx.note({detail: {kind, agency: requester.agencyName, snapshot, decidedBy: 'core', policyReason: result.decision.reason, policyCode: result.decision.code, policyWarning: warning}})
    throw new HttpError(403, 'policy_denied', `the owner's Core refused: ${result.decision.reason}${note}`, undefined, {decision: result.decision})
  }
  const {grant} = result
  try {
    await ctx.audited(() => undefined, {
      action: grant.started ? 'stream.start' : 'stream.view',
      detail: {kind, policyReason: grant.policy.reason, policyMode: policyMode(grant.policy.code), until: grant.policy.until, agency: requester.agencyName, streamId: grant.streamId, viewId: grant.viewId, snapshot, policyWarning: warning},
    })
  } catch (error) {
    hub.streams.leave(grant.streamId, grant.viewId)
    throw error
  }
  // A view opened by another instance was announced there.
  if (grant.started && session) hub.streams.announce(grant.streamId)
  return grant
}

const coreOffline = (coreName: string, cameraName: string) =>
  new HttpError(503, 'core_offline', `the Core "${coreName}" serving ${cameraName} is offline; try again when it reconnects`)

/** `rtcc stream open`: a view of the camera's live (or recorded) video, if the owner's policy allows. */
export function openStream(ctx: ServiceContext, actor: Actor, input: OpenInput): Promise<StreamGrant> {
  return openView(ctx, actor, input, false)
}

/** The running streams on cameras the actor may see. */
export async function listStreams(ctx: ServiceContext, actor: Actor): Promise<StreamView[]> {
  const scope = await cameraScope(ctx, actor)
  const visible: StreamView[] = []
  for (const stream of ctx.cores.streams.list()) if (scope.kind === 'all' || (await ctx.store.cameras.getCamera(scope, stream.cameraId))) visible.push(stream)
  return ctx.audited(() => visible, {detail: {rows: visible.length}})
}

/** The viewer is done with a view (the player exited). */
export async function leaveStream(ctx: ServiceContext, _actor: Actor, input: {streamId: string; viewId: string}): Promise<void> {
  const streams = ctx.cores.streams
  const here = streams.cameraOf(input.streamId)
  // With a bus the stream may be relayed by the instance holding its Core's link.
  const cameraId = here && streams.leave(input.streamId, input.viewId) ? here : await ctx.cores.router?.leave(input.streamId, input.viewId)
  if (!cameraId) throw notFound(`view ${input.viewId} of stream ${input.streamId}`)
  await ctx.audited(() => undefined, {target: cameraId, detail: {streamId: input.streamId, viewId: input.viewId}})
}

/**
 * Opens a watch URL, recorded as the viewer it was issued to (whoever holds it). Returns the function
 * that relays the stream into a response whose video/mp4 head is written.
 */
export async function watchStream(ctx: ServiceContext, input: {token: string}): Promise<(res: ServerResponse) => void> {
  const streams = ctx.cores.streams
  const found = streams.watcher(input.token)
  if (!found) throw new HttpError(410, 'stream_gone', 'this stream URL is invalid, expired, or its stream has ended: ask for a new one with `rtcc stream open`')
  const {stream, view} = found
  ctx.note({subject: {id: view.requester.userId, name: view.requester.username, role: view.requester.role}})
  await ctx.audited(() => undefined, {target: stream.camera.id, detail: {kind: stream.kind, streamId: stream.id, viewId: view.id, agency: view.requester.agencyName}})
  return (res) => {
    // The view may have ended while the record was written.
    if (stream.ended || !stream.views.has(view.id)) res.end()
    else streams.attachWatcher(stream, view, res)
  }
}

/**
 * One JPEG from the camera: from the snapshot view this user already holds on it (kept alive by
 * asking again), else from a new view opened as for `openStream`.
 */
export async function snapshot(ctx: ServiceContext, actor: Actor, input: {cameraId: string; kind: StreamKind; baseUrl: string}): Promise<Buffer> {
  const streams = ctx.cores.streams
  const held = streams.snapshotView(actor.user.id, input.cameraId)
  let fanout = held?.fanout
  if (held) {
    if (!(await ctx.store.cameras.getCamera(await cameraScope(ctx, actor), input.cameraId))) throw forbidden(`camera ${input.cameraId} is outside your agency's area`)
    await ctx.audited(() => undefined, {target: input.cameraId, detail: {kind: input.kind, streamId: held.streamId, snapshot: true}})
  } else {
    const grant = await openView(ctx, actor, {...input, urlSeconds: 60}, true)
    fanout = streams.fanoutOf(grant.streamId)
    // Opened by the instance holding the Core's link (a bus deployment): the picture is there, not here.
    if (!fanout) throw new HttpError(409, 'core_elsewhere', `the Core serving this camera is linked to another instance; ask ${new URL(grant.url).origin} for the snapshot, or open the stream`)
  }
  const head = fanout?.joinHead()
  if (!head) throw new HttpError(502, 'stream_ended', 'the stream ended before a picture could be taken')
  return decodeFirstFrame(head)
}
