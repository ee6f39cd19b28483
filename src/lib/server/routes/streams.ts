/**
 * Live video: an agency viewer asks for a camera; the server asks the Core that serves it, and only if
 * the Core's own policy allows does the viewer get a short-lived signed URL to the relayed fragmented
 * MP4 stream. Every start, view, watch and stop is audited (target: the camera; detail: kind, the
 * Core's policy reason, the viewer's agency) and starts and stops are published as events.
 */
import type {FastifyRequest} from 'fastify'
import {z} from 'zod'

import type {Requester} from '../../domain/core.js'
import {OpenStreamBody, STREAM_LISTERS, STREAM_VIEWERS, type StreamGrant, type StreamKind} from '../../domain/stream.js'
import {getAgency} from '../../store/agencies.js'
import * as cameras from '../../store/cameras.js'
import {coreForCamera} from '../../store/cores.js'
import type {Actor, ServerContext} from '../context.js'
import {coreHub} from '../core-link/index.js'
import {serverDecision} from '../core-link/server-policy.js'
import {decodeFirstFrame} from '../core-link/snapshot.js'
import {policyMode} from '../core-link/streams.js'
import {forbidden, HttpError, notFound} from '../http-error.js'
import {type Call, defineRoute} from '../route.js'
import {cameraScope} from '../scope.js'

const VIEWERS = [...STREAM_VIEWERS]

function requesterOf(ctx: ServerContext, actor: Actor): Requester {
  const agency = actor.user.agency_id ? getAgency(ctx.db, actor.user.agency_id) : undefined
  return {userId: actor.user.id, username: actor.user.username, role: actor.role, agencyId: agency?.id ?? null, agencyName: agency?.name ?? null}
}

const baseUrl = (ctx: ServerContext, req: FastifyRequest) => (req.headers.host ? `https://${req.headers.host}` : ctx.url)

/**
 * Refuses when the server's copy of the policy does, else asks the camera's Core for a view; on
 * either refusal throws 403 with the reason (audited as a denied view, with who decided and any
 * difference between the server's copy and the Core's). On success audits `stream.start` (this request started the relay) or `stream.view`.
 */
async function openView(call: Call<unknown, unknown>, cameraId: string, kind: StreamKind, urlSeconds: number, snapshot: boolean): Promise<StreamGrant> {
  const {ctx, actor, req} = call
  const camera = cameras.getCamera(ctx.db, cameraScope(ctx, actor), cameraId)
  if (!camera) throw notFound(`camera ${cameraId}`)
  const requester = requesterOf(ctx, actor)
  req.rtcc.target = camera.id
  req.rtcc.detail = {kind, agency: requester.agencyName, snapshot}
  const core = coreForCamera(ctx.db, camera.id)
  if (!core) throw new HttpError(409, 'not_live', `camera ${camera.name} is not served by a Core, so rtcc cannot relay its video`)
  const hub = coreHub(ctx)
  const session = hub.session(core.id)
  if (!session) throw new HttpError(503, 'core_offline', `the Core "${core.name}" serving ${camera.name} is offline; try again when it reconnects`)
  // Defence in depth: the server's copy of the policy refuses first; when it allows, the Core decides.
  const warning = (await hub.policyWarning(session, camera.id)) ?? undefined
  const mine = await serverDecision(ctx, camera, {kind, requester: {role: requester.role, userId: requester.userId, agencyId: requester.agencyId}, at: ctx.now()})
  const note = warning ? `; note: ${warning}` : ''
  if (!mine.allow) {
    req.rtcc.detail = {kind, agency: requester.agencyName, snapshot, decidedBy: 'server', policyReason: mine.reason, policyCode: mine.code, policyWarning: warning}
    const decision = {allow: false, code: mine.code, reason: mine.reason, until: null}
    throw new HttpError(403, 'policy_denied', `the owner's policy, as the server holds it, refuses (the Core was not asked): ${mine.reason}${note}`, undefined, {decision})
  }
  const result = await hub.streams.open({camera: {id: camera.id, name: camera.name}, core, session, kind, requester, urlSeconds, baseUrl: baseUrl(ctx, req), snapshot, serverNote: warning})
  if (!result.allowed) {
    req.rtcc.detail = {kind, agency: requester.agencyName, snapshot, decidedBy: 'core', policyReason: result.decision.reason, policyCode: result.decision.code, policyWarning: warning}
    throw new HttpError(403, 'policy_denied', `the owner's Core refused: ${result.decision.reason}${note}`, undefined, {decision: result.decision})
  }
  const {grant} = result
  req.rtcc.action = grant.started ? 'stream.start' : 'stream.view'
  try {
    call.tx(() => undefined, {detail: {kind, policyReason: grant.policy.reason, policyMode: policyMode(grant.policy.code), until: grant.policy.until, agency: requester.agencyName, streamId: grant.streamId, viewId: grant.viewId, snapshot, policyWarning: warning}})
  } catch (error) {
    hub.streams.leave(grant.streamId, grant.viewId)
    throw error
  }
  if (grant.started) hub.streams.announce(grant.streamId)
  return grant
}

export const streamRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/streams',
    action: 'stream.view',
    roles: VIEWERS,
    body: OpenStreamBody,
    handler: async (call) => {
      const grant = await openView(call as Call<unknown, unknown>, call.body.cameraId, call.body.kind, call.body.urlSeconds, false)
      call.reply.code(201)
      return grant
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/streams',
    action: 'stream.list',
    roles: [...STREAM_LISTERS],
    handler: ({ctx, actor, tx}) => {
      const scope = cameraScope(ctx, actor)
      const visible = coreHub(ctx).streams.list().filter((s) => scope.kind === 'all' || cameras.getCamera(ctx.db, scope, s.cameraId))
      return tx(() => visible, {detail: {rows: visible.length}})
    },
  }),

  defineRoute({
    method: 'DELETE',
    url: '/v1/streams/:streamId/views/:viewId',
    action: 'stream.leave',
    roles: VIEWERS,
    handler: ({ctx, params, tx}) => {
      const streams = coreHub(ctx).streams
      const cameraId = streams.cameraOf(params.streamId!)
      if (!cameraId || !streams.leave(params.streamId!, params.viewId!)) throw notFound(`view ${params.viewId} of stream ${params.streamId}`)
      tx(() => undefined, {target: cameraId, detail: {streamId: params.streamId, viewId: params.viewId}})
      return undefined
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/streams/watch/:token',
    action: 'stream.watch',
    roles: 'public',
    rateLimit: {max: 120, windowSeconds: 60},
    handler: ({ctx, params, req, reply, tx}) => {
      const streams = coreHub(ctx).streams
      const found = streams.watcher(params.token!)
      if (!found) throw new HttpError(410, 'stream_gone', 'this stream URL is invalid, expired, or its stream has ended: ask for a new one with `rtcc stream open`')
      const {stream, view} = found
      // The URL was issued to this viewer; whoever holds it is recorded as them.
      req.rtcc.subject = {id: view.requester.userId, name: view.requester.username, role: view.requester.role}
      tx(() => undefined, {target: stream.camera.id, detail: {kind: stream.kind, streamId: stream.id, viewId: view.id, agency: view.requester.agencyName}})
      reply.hijack()
      reply.raw.writeHead(200, {'content-type': 'video/mp4', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff'})
      streams.attachWatcher(stream, view, reply.raw)
      return undefined
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/streams/:cameraId/snapshot',
    action: 'stream.view',
    roles: VIEWERS,
    query: z.object({kind: z.enum(['live', 'recorded']).default('live')}),
    handler: async (call) => {
      const {ctx, actor, params, reply} = call
      const streams = coreHub(ctx).streams
      const held = streams.snapshotView(actor.user.id, params.cameraId!)
      let fanout = held?.fanout
      if (held) {
        if (!cameras.getCamera(ctx.db, cameraScope(ctx, actor), params.cameraId!)) throw forbidden(`camera ${params.cameraId} is outside your agency's area`)
        call.tx(() => undefined, {target: params.cameraId, detail: {kind: call.query.kind, streamId: held.streamId, snapshot: true}})
      } else {
        const grant = await openView(call as Call<unknown, unknown>, params.cameraId!, call.query.kind, 60, true)
        fanout = streams.fanoutOf(grant.streamId)
      }
      const head = fanout?.joinHead()
      if (!head) throw new HttpError(502, 'stream_ended', 'the stream ended before a picture could be taken')
      const jpeg = await decodeFirstFrame(head)
      reply.header('content-type', 'image/jpeg').header('cache-control', 'no-store')
      return reply.send(jpeg)
    },
  }),
]
