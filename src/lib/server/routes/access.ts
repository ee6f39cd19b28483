/**
 * Access requests: an investigator asks a camera's owner for a window; the owner approves with a
 * window they sign (which the Core verifies), denies, or later revokes. Both sides get events. Also
 * the owner's access report, read from the audit log.
 */
import {z} from 'zod'

import {AccessListQuery, type AccessRequest, AccessRequestBody, ApprovalPayload, ApproveBody, DenyBody} from '../../domain/access.js'
import {newId} from '../../domain/ids.js'
import {READ_REGISTRY} from '../../domain/roles.js'
import {buildAccessReport} from '../../policy/access-report.js'
import {openStatement, StatementError} from '../../policy/document.js'
import * as access from '../../store/access.js'
import {getAgency} from '../../store/agencies.js'
import {getCamera} from '../../store/cameras.js'
import {findUserById} from '../../store/users.js'
import type {Actor, ServerContext} from '../context.js'
import {conflict, HttpError, notFound} from '../http-error.js'
import {defineRoute} from '../route.js'
import {cameraScope} from '../scope.js'
import {actingOwnerId, checkFresh, registeredKeys, statementRefused} from './policy.js'

const REQUESTERS = ['admin' as const, 'supervisor' as const, 'investigator' as const]

/** An owner reaches the requests on their cameras; an agency user their agency's (all, when in none). */
function visibleRequest(ctx: ServerContext, actor: Actor, id: string): AccessRequest {
  const request = access.getAccessRequest(ctx.db, id)
  const scope = cameraScope(ctx, actor)
  const visible = request && (scope.kind === 'owner' ? request.ownerId === scope.ownerId : scope.kind === 'all' || request.agency?.id === actor.user.agency_id)
  if (!request || !visible) throw notFound(`access request ${id}`)
  return request
}

function ownersPending(ctx: ServerContext, actor: Actor, id: string): AccessRequest {
  const ownerId = actingOwnerId(ctx, actor)
  const request = visibleRequest(ctx, actor, id)
  if (request.ownerId !== ownerId) throw notFound(`access request ${id}`)
  if (request.status !== 'pending') throw conflict(`access request ${id} is already ${request.status}`)
  return request
}

const eventData = (r: AccessRequest) => ({
  requestId: r.id,
  cameraId: r.cameraId,
  cameraName: r.cameraName,
  ownerId: r.ownerId,
  requesterId: r.requester.id,
  requester: r.requester.name,
  agency: r.agency?.name ?? null,
  reason: r.reason,
  durationSeconds: r.durationSeconds,
  status: r.status,
  window: r.window,
  note: r.decisionNote,
})

export const accessRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/access-requests',
    action: 'access.request',
    roles: REQUESTERS,
    body: AccessRequestBody,
    handler: ({ctx, actor, body, tx, reply}) => {
      const camera = getCamera(ctx.db, cameraScope(ctx, actor), body.cameraId)
      if (!camera) throw notFound(`camera ${body.cameraId}`)
      // Signed-up owners' profiles share their account id; imported owners have no account to answer with.
      if (!findUserById(ctx.db, camera.ownerId)) throw new HttpError(409, 'owner_has_no_account', `the owner of ${camera.name} has no rtcc account to answer access requests; send a footage request instead (\`rtcc request issue\`)`)
      const agency = actor.user.agency_id ? getAgency(ctx.db, actor.user.agency_id) : undefined
      const id = newId('acc')
      const request = tx(
        () => access.insertAccessRequest(ctx.db, {
          id, cameraId: camera.id, ownerId: camera.ownerId, requesterId: actor.user.id, requesterName: actor.user.username,
          agencyId: agency?.id ?? null, agencyName: agency?.name ?? null, reason: body.reason, durationSeconds: body.durationSeconds, now: ctx.now().toISOString(),
        }),
        {target: id, detail: {cameraId: camera.id, durationSeconds: body.durationSeconds, reason: body.reason.slice(0, 200), agency: agency?.name ?? null}},
      )
      ctx.events.publish({type: 'access.requested', severity: 'warning', ownerId: camera.ownerId, data: eventData(request)})
      reply.code(201)
      return request
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/access-requests',
    action: 'access.list',
    roles: [...READ_REGISTRY, 'owner'],
    query: AccessListQuery,
    handler: ({ctx, actor, query, tx}) => {
      const scope = cameraScope(ctx, actor)
      const filter = scope.kind === 'owner' ? {ownerId: scope.ownerId} : {agencyId: actor.user.agency_id ?? undefined}
      return tx(() => access.listAccessRequests(ctx.db, {...filter, status: query.status, limit: query.limit}), {detail: (list) => ({status: query.status ?? null, rows: list.length})})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/access-requests/:id',
    action: 'access.read',
    roles: [...READ_REGISTRY, 'owner'],
    handler: ({ctx, actor, params, tx}) => {
      const request = visibleRequest(ctx, actor, params.id!)
      return tx(() => request, {target: request.id})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/access-requests/:id/approve',
    action: 'access.approve',
    roles: ['owner'],
    body: ApproveBody,
    handler: ({ctx, actor, params, body, tx}) => {
      const request = ownersPending(ctx, actor, params.id!)
      let approval: ApprovalPayload
      try {
        approval = openStatement(body.statement, 'approval', ApprovalPayload, registeredKeys(ctx, request.ownerId), {ownerId: request.ownerId})
        const expected = {requestId: request.id, cameraId: request.cameraId, requesterId: request.requester.id}
        for (const [field, value] of Object.entries(expected))
          if (approval[field as keyof typeof expected] !== value) throw new StatementError('mismatch', `the approval's ${field} is ${approval[field as keyof typeof expected]}, but the request's is ${value}`)
      } catch (error) {
        statementRefused(error)
      }
      checkFresh(approval.from, ctx.now(), 'from')
      const window = {from: new Date(approval.from).toISOString(), until: new Date(approval.until).toISOString()}
      const now = ctx.now().toISOString()
      const updated = tx(
        () => {
          if (!access.decideAccessRequest(ctx.db, request.id, {status: 'approved', note: null, now, window, approval: body.statement})) throw conflict(`access request ${request.id} was answered meanwhile`)
          return access.getAccessRequest(ctx.db, request.id)!
        },
        {target: request.id, detail: {cameraId: request.cameraId, ...window}},
      )
      ctx.events.publish({type: 'access.approved', ownerId: request.ownerId, data: eventData(updated)})
      return updated
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/access-requests/:id/deny',
    action: 'access.deny',
    roles: ['owner'],
    body: DenyBody,
    handler: ({ctx, actor, params, body, tx}) => {
      const request = ownersPending(ctx, actor, params.id!)
      const updated = tx(
        () => {
          if (!access.decideAccessRequest(ctx.db, request.id, {status: 'denied', note: body.reason ?? null, now: ctx.now().toISOString()})) throw conflict(`access request ${request.id} was answered meanwhile`)
          return access.getAccessRequest(ctx.db, request.id)!
        },
        {target: request.id, detail: {cameraId: request.cameraId}},
      )
      ctx.events.publish({type: 'access.denied', ownerId: request.ownerId, data: eventData(updated)})
      return updated
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/access-requests/:id/revoke',
    action: 'access.revoke',
    roles: ['owner'],
    body: DenyBody,
    handler: ({ctx, actor, params, body, tx}) => {
      const ownerId = actingOwnerId(ctx, actor)
      const request = visibleRequest(ctx, actor, params.id!)
      if (request.ownerId !== ownerId) throw notFound(`access request ${request.id}`)
      const updated = tx(
        () => {
          if (!access.revokeAccessRequest(ctx.db, request.id, body.reason ?? null, ctx.now().toISOString())) throw conflict(`access request ${request.id} is ${request.status}, not approved`)
          return access.getAccessRequest(ctx.db, request.id)!
        },
        {target: request.id, detail: {cameraId: request.cameraId}},
      )
      ctx.events.publish({type: 'access.revoked', ownerId, data: eventData(updated)})
      return updated
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/owners/me/access-report',
    action: 'owner.access_report',
    roles: ['owner'],
    query: z.object({
      since: z.iso.datetime({offset: true}).optional(),
      limit: z.coerce.number().int().min(1).max(50_000).default(10_000),
    }),
    handler: ({ctx, actor, query, tx}) => {
      const ownerId = actingOwnerId(ctx, actor)
      const since = query.since ? new Date(query.since).toISOString() : null
      return tx(
        () => buildAccessReport(access.accessAuditRows(ctx.db, {ownerId, userId: actor.user.id}, {since: since ?? undefined, limit: query.limit + 1}), {ownerId, since, now: ctx.now(), limit: query.limit}),
        {target: ownerId, detail: (report) => ({since, entries: report.entries.length})},
      )
    },
  }),
]
