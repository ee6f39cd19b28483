/**
 * Footage requests. Investigators issue canvasses and track them; owners answer from their session or
 * with the one-time token from the request email (no account needed). A wrong, reused or expired token
 * gets the same answer as a request that does not exist.
 */
import {createHash, randomBytes} from 'node:crypto'
import {z} from 'zod'

import {newId} from '../../domain/ids.js'
import {CanvassBody, type CanvassResult, type FootageRequest, OPEN_STATUSES, REQUEST_STATUSES, type RequestStatus, type TimelineActor} from '../../domain/requests.js'
import {READ_REGISTRY} from '../../domain/roles.js'
import {getAgency} from '../../store/agencies.js'
import {getOwner} from '../../store/owners.js'
import * as requests from '../../store/requests.js'
import type {Actor, ServerContext} from '../context.js'
import {badRequest, forbidden, HttpError, notFound} from '../http-error.js'
import {REQUEST_TOKEN_HEADER} from '../../client/answer.js'
import {defineRoute, type Call} from '../route.js'
import {cameraScope} from '../scope.js'
import {planCanvass} from '../requests/canvass.js'
import {deliverRequests} from '../requests/delivery.js'
import {expireDue, moveRequest, timelineActor} from '../requests/workflow.js'

const ISSUERS = ['admin' as const, 'supervisor' as const, 'investigator' as const]

const hashToken = (token: string) => createHash('sha256').update(token).digest()

function ownerView(ctx: ServerContext, ownerId: string): FootageRequest['owner'] {
  const owner = getOwner(ctx.db, ownerId)
  return owner ? {displayName: owner.displayName, organisation: owner.organisation} : null
}

const view = (ctx: ServerContext, row: requests.RequestRow) => requests.toFootageRequest(ctx.db, row, ownerView(ctx, row.owner_id))

/** An agency user reaches the requests of their agency (all, when in none); an owner only their own. */
function visibleRequest(ctx: ServerContext, actor: Actor, id: string): requests.RequestRow {
  const row = requests.getRequestRow(ctx.db, id)
  const scope = cameraScope(ctx, actor)
  const visible =
    row && (scope.kind === 'owner' ? row.owner_id === scope.ownerId : scope.kind === 'all' || row.agency_id === actor.user.agency_id)
  if (!row || !visible) throw notFound(`request ${id}`)
  return row
}

const NO_SUCH_TOKEN = () => new HttpError(404, 'not_found', 'no open request matches this token (it may be wrong, used up or expired)')

/**
 * The request an owner is answering: by one-time token (header), or by id from the owner's session.
 * Only open requests can be answered.
 */
export function answerableRequest(call: Call<unknown, unknown>): {row: requests.RequestRow; actor: TimelineActor} {
  const {ctx, req, params} = call
  expireDue(ctx)
  const token = req.headers[REQUEST_TOKEN_HEADER]
  if (typeof token === 'string' && token) {
    const row = requests.findRequestByTokenHash(ctx.db, hashToken(token))
    if (!row || !OPEN_STATUSES.includes(row.status)) throw NO_SUCH_TOKEN()
    req.rtcc.subject = {id: row.owner_id, name: `token holder for ${row.owner_id}`, role: 'owner'}
    req.rtcc.target = row.id
    return {row, actor: {id: row.owner_id, role: 'owner', name: 'owner (email token)'}}
  }
  const actor = req.rtcc.actor
  if (!actor) throw new HttpError(401, 'auth_required', 'log in as the owner, or pass the token from the request email')
  if (actor.role !== 'owner') throw forbidden('only the owner answers a footage request')
  const row = visibleRequest(ctx, actor, params.id ?? '')
  if (!OPEN_STATUSES.includes(row.status)) throw new HttpError(409, 'closed', `request ${row.id} is ${row.status}`)
  req.rtcc.target = row.id
  return {row, actor: timelineActor(actor)}
}

/** Move a request (with its audit record) and answer with its new view; the event goes out after commit. */
function moveAndView(
  call: Call<unknown, unknown>,
  row: requests.RequestRow,
  to: RequestStatus,
  actor: TimelineActor,
  detail: Record<string, unknown> | null = null,
  extra: () => Record<string, unknown> = () => ({}),
) {
  let publish: (() => void) | undefined
  const result = call.tx(() => {
    publish = moveRequest(call.ctx, row, to, actor, call.req.ip, detail)
    return {...view(call.ctx, requests.getRequestRow(call.ctx.db, row.id)!), ...extra()}
  }, {target: row.id})
  publish?.()
  return result
}

export const requestRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/requests/canvass',
    action: 'request.issue',
    roles: ISSUERS,
    body: CanvassBody,
    handler: async ({ctx, actor, body, req, tx, reply}): Promise<CanvassResult> => {
      const now = ctx.now()
      const plan = planCanvass(ctx.db, cameraScope(ctx, actor), {...body, radiusMetres: body.radius}, now)
      const agency = actor.user.agency_id ? getAgency(ctx.db, actor.user.agency_id) : undefined
      const expiresAt = new Date(now.getTime() + body.expiresInSeconds * 1000).toISOString()
      const tokens = new Map<string, string>()
      const result = tx(
        () => {
          const created: FootageRequest[] = []
          for (const [ownerId, cameras] of plan.byOwner) {
            const id = newId('req')
            const token = `rtcc_r_${randomBytes(32).toString('base64url')}`
            if (!body.dryRun) {
              tokens.set(id, token)
              requests.insertRequest(ctx.db, {
                id, caseId: body.caseId, agencyId: agency?.id ?? null, agencyName: agency?.name ?? 'rtcc', issuedBy: timelineActor(actor), source: req.ip,
                ownerId, latitude: body.latitude, longitude: body.longitude, radiusMetres: body.radius, from: body.from, to: body.to, reason: body.reason,
                tokenHash: hashToken(token), expiresAt, cameras, now: now.toISOString(),
              })
              created.push(view(ctx, requests.getRequestRow(ctx.db, id)!))
            } else {
              created.push({
                id, caseId: body.caseId, agency: agency?.name ?? 'rtcc', issuedBy: actor.user.username, ownerId, owner: ownerView(ctx, ownerId),
                incident: {latitude: body.latitude, longitude: body.longitude, radiusMetres: body.radius}, window: {from: body.from, to: body.to}, reason: body.reason,
                status: 'issued', expiresAt, declineReason: null, cameras, evidence: [], createdAt: now.toISOString(), updatedAt: now.toISOString(),
              })
            }
          }
          return {caseId: body.caseId, dryRun: body.dryRun, requests: created, skipped: plan.skipped, camerasInRange: plan.camerasInRange}
        },
        {target: body.caseId, detail: (r) => ({dryRun: body.dryRun, requests: r.requests.map((q) => q.id), skipped: r.skipped.length})},
      )
      if (!body.dryRun) {
        for (const request of result.requests) ctx.events.publish({type: 'request.issued', ownerId: request.ownerId, data: {requestId: request.id, caseId: request.caseId, cameras: request.cameras.length}})
        const receipts = await deliverRequests(ctx, result.requests.map((r) => ({id: r.id, token: tokens.get(r.id)!})))
        reply.code(201)
        return {...result, requests: result.requests.map((r) => ({...r, status: requests.getRequestRow(ctx.db, r.id)!.status, mail: receipts.get(r.id)}))}
      }
      return result
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/requests',
    action: 'request.list',
    roles: READ_REGISTRY,
    query: z.object({case: z.string().optional(), status: z.enum(REQUEST_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(200)}),
    handler: ({ctx, actor, query, tx}) => {
      expireDue(ctx)
      return tx(
        () => requests.listRequestRows(ctx.db, {caseId: query.case, status: query.status, agencyId: actor.user.agency_id ?? undefined, limit: query.limit}).map((r) => view(ctx, r)),
        {detail: (list) => ({query, rows: list.length})},
      )
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/requests/inbox',
    action: 'request.inbox',
    roles: ['owner'],
    handler: ({ctx, actor, tx}) => {
      expireDue(ctx)
      const scope = cameraScope(ctx, actor)
      if (scope.kind !== 'owner') throw forbidden('owners only')
      return tx(() => requests.listRequestRows(ctx.db, {ownerId: scope.ownerId}).map((r) => view(ctx, r)), {detail: (list) => ({rows: list.length})})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/requests/:id',
    action: 'request.show',
    roles: [...READ_REGISTRY, 'owner'],
    handler: (call) => {
      const {ctx, actor, params} = call
      expireDue(ctx)
      const row = visibleRequest(ctx, actor, params.id!)
      // Only the owner opening it counts as `viewed`; agency reads leave the state alone.
      const to = actor.role === 'owner' ? 'viewed' : row.status
      return moveAndView(call, row, to, timelineActor(actor), null, () => ({timeline: requests.timeline(ctx.db, row.id)}))
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/requests/by-token',
    action: 'request.show',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    handler: (call) => {
      const {row, actor} = answerableRequest(call)
      return moveAndView(call, row, 'viewed', actor)
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/decline',
    action: 'request.decline',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    body: z.object({reason: z.string().trim().min(1).max(2000)}),
    handler: (call) => {
      const {row, actor} = answerableRequest(call as Call<unknown, unknown>)
      return moveAndView(call as Call<unknown, unknown>, row, 'declined', actor, {reason: call.body.reason})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/complete',
    action: 'request.fulfil',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    handler: (call) => {
      const {row, actor} = answerableRequest(call)
      const files = requests.evidenceSummaries(call.ctx.db, row.id)
      if (files.length === 0) throw badRequest('upload at least one clip before marking the request fulfilled')
      return moveAndView(call, row, 'fulfilled', actor, {files: files.map((f) => f.id)})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/cancel',
    action: 'request.cancel',
    roles: ISSUERS,
    body: z.object({reason: z.string().max(2000).optional()}).default({}),
    handler: (call) => {
      const row = visibleRequest(call.ctx, call.actor, call.params.id!)
      if (!OPEN_STATUSES.includes(row.status)) throw new HttpError(409, 'closed', `request ${row.id} is already ${row.status}`)
      return moveAndView(call as Call<unknown, unknown>, row, 'cancelled', timelineActor(call.actor), call.body.reason ? {reason: call.body.reason} : null)
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/requests/remind',
    action: 'request.remind',
    roles: ISSUERS,
    body: z.object({olderThanSeconds: z.number().int().min(0).default(2 * 86_400), caseId: z.string().optional()}),
    handler: async ({ctx, actor, body, tx}) => {
      expireDue(ctx)
      const cutoff = new Date(ctx.now().getTime() - body.olderThanSeconds * 1000).toISOString()
      const due = requests
        .listRequestRows(ctx.db, {caseId: body.caseId, agencyId: actor.user.agency_id ?? undefined, limit: 10_000})
        .filter((r) => OPEN_STATUSES.includes(r.status) && (r.last_mailed_at ?? r.created_at) <= cutoff)
      tx(() => undefined, {detail: {requests: due.map((r) => r.id)}})
      const receipts = await deliverRequests(ctx, due.map((r) => ({id: r.id})), {reminder: true})
      return {reminded: due.map((r) => ({id: r.id, caseId: r.case_id, mail: receipts.get(r.id) ?? null}))}
    },
  }),
]
