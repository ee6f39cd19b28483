/**
 * Access requests: an investigator asks a camera's owner for a window; the owner approves with a
 * window they sign (which the Core verifies), denies, or later revokes. Both sides get events. Also
 * the owner's access report, read from the audit log.
 */
import {type AccessReport, type AccessRequest, type AccessStatus, ApprovalPayload, type RecordedWindow} from '../domain/access.js'
import {newId} from '../domain/ids.js'
import type {OwnerStatement} from '../domain/policy.js'
import {buildAccessReport} from '../policy/access-report.js'
import {openStatement, StatementError} from '../policy/document.js'
import {conflict, HttpError, notFound} from '../server/http-error.js'
import {cameraScope} from '../server/scope.js'
import type {Actor, ServiceContext} from './context.js'
import {actingOwnerId, checkFresh, registeredKeys, statementRefused} from './policy.js'

/** An owner reaches the requests on their cameras; an agency user their agency's (all, when in none). */
async function visibleRequest(ctx: ServiceContext, actor: Actor, id: string): Promise<AccessRequest> {
  const request = await ctx.store.access.getAccessRequest(id)
  const scope = await cameraScope(ctx, actor)
  const visible = request && (scope.kind === 'owner' ? request.ownerId === scope.ownerId : scope.kind === 'all' || request.agency?.id === actor.user.agency_id)
  if (!request || !visible) throw notFound(`access request ${id}`)
  return request
}

async function ownersPending(ctx: ServiceContext, actor: Actor, id: string): Promise<AccessRequest> {
  const ownerId = await actingOwnerId(ctx, actor)
  const request = await visibleRequest(ctx, actor, id)
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
  kind: r.kind,
  recorded: r.recorded,
  status: r.status,
  window: r.window,
  note: r.decisionNote,
})

/** An agency user asks the camera's owner for a window of access. */
export async function requestAccess(
  ctx: ServiceContext,
  actor: Actor,
  input: {cameraId: string; reason: string; durationSeconds: number; kind?: 'live' | 'recorded'; recorded?: RecordedWindow},
): Promise<AccessRequest> {
  const kind = input.kind ?? 'live'
  const recorded = input.recorded ? {from: new Date(input.recorded.from).toISOString(), to: new Date(input.recorded.to).toISOString()} : null
  const camera = await ctx.store.cameras.getCamera(await cameraScope(ctx, actor), input.cameraId)
  if (!camera) throw notFound(`camera ${input.cameraId}`)
  // Signed-up owners' profiles share their account id; imported owners have no account to answer with.
  if (!(await ctx.store.users.findUserById(camera.ownerId)))
    throw new HttpError(409, 'owner_has_no_account', `the owner of ${camera.name} has no rtcc account to answer access requests; send a footage request instead (\`rtcc request issue\`)`)
  const agency = actor.user.agency_id ? await ctx.store.agencies.getAgency(actor.user.agency_id) : undefined
  const id = newId('acc')
  const request = await ctx.audited(
    () =>
      ctx.store.access.insertAccessRequest({
        id, cameraId: camera.id, ownerId: camera.ownerId, requesterId: actor.user.id, requesterName: actor.user.username,
        agencyId: agency?.id ?? null, agencyName: agency?.name ?? null, reason: input.reason, durationSeconds: input.durationSeconds, kind, recorded, now: ctx.now().toISOString(),
      }),
    {target: id, detail: {cameraId: camera.id, durationSeconds: input.durationSeconds, kind, recorded, reason: input.reason.slice(0, 200), agency: agency?.name ?? null}},
  )
  ctx.events.publish({type: 'access.requested', severity: 'warning', ownerId: camera.ownerId, data: eventData(request)})
  return request
}

/** An owner's inbox (requests on their cameras), or an agency's requests. */
export async function listAccessRequests(ctx: ServiceContext, actor: Actor, input: {status?: AccessStatus; limit: number}): Promise<AccessRequest[]> {
  const scope = await cameraScope(ctx, actor)
  const filter = scope.kind === 'owner' ? {ownerId: scope.ownerId} : {agencyId: actor.user.agency_id ?? undefined}
  return ctx.audited(() => ctx.store.access.listAccessRequests({...filter, status: input.status, limit: input.limit}), (list) => ({detail: {status: input.status ?? null, rows: list.length}}))
}

export async function showAccessRequest(ctx: ServiceContext, actor: Actor, input: {id: string}): Promise<AccessRequest> {
  const request = await visibleRequest(ctx, actor, input.id)
  return ctx.audited(() => request, {target: request.id})
}

const sameWindow = (a: RecordedWindow | undefined, b: RecordedWindow): boolean => !!a && Date.parse(a.from) === Date.parse(b.from) && Date.parse(a.to) === Date.parse(b.to)

/** The owner approves with a window they signed for this request, this camera and this requester. */
export async function approveAccess(ctx: ServiceContext, actor: Actor, input: {id: string; statement: OwnerStatement}): Promise<AccessRequest> {
  const request = await ownersPending(ctx, actor, input.id)
  const keys = await registeredKeys(ctx, request.ownerId)
  let approval: ApprovalPayload
  try {
    approval = openStatement(input.statement, 'approval', ApprovalPayload, keys, {ownerId: request.ownerId})
    const expected = {requestId: request.id, cameraId: request.cameraId, requesterId: request.requester.id}
    for (const [field, value] of Object.entries(expected))
      if (approval[field as keyof typeof expected] !== value) throw new StatementError('mismatch', `the approval's ${field} is ${approval[field as keyof typeof expected]}, but the request's is ${value}`)
    // The owner signs exactly the video asked for: the kind, and for recorded video the window (never wider).
    const signed = approval.recorded ? `recorded video of ${approval.recorded.from}..${approval.recorded.to}` : 'live video'
    const asked = request.recorded ? `recorded video of ${request.recorded.from}..${request.recorded.to}` : 'live video'
    if ((approval.kind ?? 'live') !== request.kind || (request.recorded && !sameWindow(approval.recorded, request.recorded)))
      throw new StatementError('mismatch', `the approval releases ${signed}, but the request asks for ${asked}`)
  } catch (error) {
    statementRefused(error)
  }
  checkFresh(approval.from, ctx.now(), 'from')
  const window = {from: new Date(approval.from).toISOString(), until: new Date(approval.until).toISOString()}
  const now = ctx.now().toISOString()
  const updated = await ctx.audited(
    async () => {
      if (!(await ctx.store.access.decideAccessRequest(request.id, {status: 'approved', note: null, now, window, approval: input.statement}))) throw conflict(`access request ${request.id} was answered meanwhile`)
      return (await ctx.store.access.getAccessRequest(request.id))!
    },
    {target: request.id, detail: {cameraId: request.cameraId, ...window, kind: request.kind, recorded: request.recorded}},
  )
  ctx.events.publish({type: 'access.approved', ownerId: request.ownerId, data: eventData(updated)})
  return updated
}

export async function denyAccess(ctx: ServiceContext, actor: Actor, input: {id: string; reason?: string}): Promise<AccessRequest> {
  const request = await ownersPending(ctx, actor, input.id)
  const updated = await ctx.audited(
    async () => {
      if (!(await ctx.store.access.decideAccessRequest(request.id, {status: 'denied', note: input.reason ?? null, now: ctx.now().toISOString()})))
        throw conflict(`access request ${request.id} was answered meanwhile`)
      return (await ctx.store.access.getAccessRequest(request.id))!
    },
    {target: request.id, detail: {cameraId: request.cameraId}},
  )
  ctx.events.publish({type: 'access.denied', ownerId: request.ownerId, data: eventData(updated)})
  return updated
}

/** The owner withdraws an approval (no signature needed: it only takes access away). */
export async function revokeAccess(ctx: ServiceContext, actor: Actor, input: {id: string; reason?: string}): Promise<AccessRequest> {
  const ownerId = await actingOwnerId(ctx, actor)
  const request = await visibleRequest(ctx, actor, input.id)
  if (request.ownerId !== ownerId) throw notFound(`access request ${request.id}`)
  const updated = await ctx.audited(
    async () => {
      if (!(await ctx.store.access.revokeAccessRequest(request.id, input.reason ?? null, ctx.now().toISOString()))) throw conflict(`access request ${request.id} is ${request.status}, not approved`)
      return (await ctx.store.access.getAccessRequest(request.id))!
    },
    {target: request.id, detail: {cameraId: request.cameraId}},
  )
  ctx.events.publish({type: 'access.revoked', ownerId, data: eventData(updated)})
  return updated
}

/** Who looked at the owner's cameras, when, and under which policy reason (from the audit log). */
export async function accessReport(ctx: ServiceContext, actor: Actor, input: {since?: string; limit: number}): Promise<AccessReport> {
  const ownerId = await actingOwnerId(ctx, actor)
  const since = input.since ? new Date(input.since).toISOString() : null
  return ctx.audited(
    async () =>
      buildAccessReport(await ctx.store.access.accessAuditRows({ownerId, userId: actor.user.id}, {since: since ?? undefined, limit: input.limit + 1}), {
        ownerId,
        since,
        now: ctx.now(),
        limit: input.limit,
      }),
    (report) => ({target: ownerId, detail: {since, entries: report.entries.length}}),
  )
}
