/**
 * Footage requests. Investigators issue canvasses and track them; owners answer from their session or
 * with the one-time token from the request email (no account needed). A wrong, reused or expired token
 * gets the same answer as a request that does not exist.
 */
import {createHash, randomBytes} from 'node:crypto'

import {newId} from '../domain/ids.js'
import {type CanvassBody, type CanvassResult, type FootageRequest, OPEN_STATUSES, type RequestStatus, type TimelineActor} from '../domain/requests.js'
import {badRequest, forbidden, HttpError, notFound, unauthenticated} from '../server/http-error.js'
import {planCanvass} from './canvass.js'
import {deliverRequests} from './request-delivery.js'
import {expireDue, moveRequest, timelineActor} from './request-workflow.js'
import type {RequestRow} from '../store/requests.js'
import type {Actor, ServiceContext} from './context.js'
import {cameraScope} from '../server/scope.js'

export {expireDue} from './request-workflow.js'

type CanvassInput = ReturnType<typeof CanvassBody.parse>

const hashToken = (token: string) => createHash('sha256').update(token).digest()

async function ownerView(ctx: ServiceContext, ownerId: string): Promise<FootageRequest['owner']> {
  const owner = await ctx.store.owners.getOwner(ownerId)
  return owner ? {displayName: owner.displayName, organisation: owner.organisation} : null
}

const view = async (ctx: ServiceContext, row: RequestRow) => ctx.store.requests.toFootageRequest(row, await ownerView(ctx, row.owner_id))

/** An agency user reaches the requests of their agency (all, when in none); an owner only their own. */
async function visibleRequest(ctx: ServiceContext, actor: Actor, id: string): Promise<RequestRow> {
  const row = await ctx.store.requests.getRequestRow(id)
  const scope = await cameraScope(ctx, actor)
  const visible =
    row && (scope.kind === 'owner' ? row.owner_id === scope.ownerId : scope.kind === 'all' || row.agency_id === actor.user.agency_id)
  if (!row || !visible) throw notFound(`request ${id}`)
  return row
}

const NO_SUCH_TOKEN = () => new HttpError(404, 'not_found', 'no open request matches this token (it may be wrong, used up or expired)')

/** How an owner reaches a request to answer it: the one-time token from the email, or their session and the id. */
export interface Answerer {
  /** The signed-in caller, if any (answer routes are public: the token needs no account). */
  actor?: Actor
  token?: string
  id?: string
}

/**
 * The request an owner is answering: by one-time token, or by id from the owner's session.
 * Only open requests can be answered.
 */
export async function answerableRequest(ctx: ServiceContext, who: Answerer): Promise<{row: RequestRow; actor: TimelineActor}> {
  await expireDue(ctx)
  if (who.token) {
    const row = await ctx.store.requests.findRequestByTokenHash(hashToken(who.token))
    if (!row || !OPEN_STATUSES.includes(row.status)) throw NO_SUCH_TOKEN()
    ctx.note({subject: {id: row.owner_id, name: `token holder for ${row.owner_id}`, role: 'owner'}, target: row.id})
    return {row, actor: {id: row.owner_id, role: 'owner', name: 'owner (email token)'}}
  }
  const actor = who.actor
  if (!actor) throw unauthenticated('log in as the owner, or pass the token from the request email')
  if (actor.role !== 'owner') throw forbidden('only the owner answers a footage request')
  const row = await visibleRequest(ctx, actor, who.id ?? '')
  if (!OPEN_STATUSES.includes(row.status)) throw new HttpError(409, 'closed', `request ${row.id} is ${row.status}`)
  ctx.note({target: row.id})
  return {row, actor: timelineActor(actor)}
}

/** Move a request (with its audit record) and answer with its new view; the event goes out after commit. */
async function moveAndView<E extends object = object>(
  ctx: ServiceContext,
  row: RequestRow,
  to: RequestStatus,
  actor: TimelineActor,
  source: string | null,
  detail: Record<string, unknown> | null = null,
  extra?: () => Promise<E>,
): Promise<FootageRequest & Partial<E>> {
  let publish: (() => void) | undefined
  const result = await ctx.audited(async () => {
    publish = await moveRequest(ctx, row, to, actor, source, detail)
    return {...(await view(ctx, (await ctx.store.requests.getRequestRow(row.id))!)), ...(await extra?.())} as FootageRequest & Partial<E>
  }, {target: row.id})
  publish?.()
  return result
}

/**
 * Issue one request per owner with cameras around the incident (or, dry run, show what would be
 * issued), then mail each owner its one-time link.
 */
export async function issueCanvass(ctx: ServiceContext, actor: Actor, input: CanvassInput & {source: string | null}): Promise<CanvassResult> {
  const now = ctx.now()
  const plan = await planCanvass(ctx.store, await cameraScope(ctx, actor), {...input, radiusMetres: input.radius}, now)
  const agency = actor.user.agency_id ? await ctx.store.agencies.getAgency(actor.user.agency_id) : undefined
  const expiresAt = new Date(now.getTime() + input.expiresInSeconds * 1000).toISOString()
  const tokens = new Map<string, string>()
  const result = await ctx.audited(
    async () => {
      const created: FootageRequest[] = []
      for (const [ownerId, cameras] of plan.byOwner) {
        const id = newId('req')
        const token = `rtcc_r_${randomBytes(32).toString('base64url')}`
        if (!input.dryRun) {
          tokens.set(id, token)
          await ctx.store.requests.insertRequest({
            id, caseId: input.caseId, agencyId: agency?.id ?? null, agencyName: agency?.name ?? 'rtcc', issuedBy: timelineActor(actor), source: input.source,
            ownerId, latitude: input.latitude, longitude: input.longitude, radiusMetres: input.radius, from: input.from, to: input.to, reason: input.reason,
            tokenHash: hashToken(token), expiresAt, cameras, now: now.toISOString(),
          })
          created.push(await view(ctx, (await ctx.store.requests.getRequestRow(id))!))
        } else {
          created.push({
            id, caseId: input.caseId, agency: agency?.name ?? 'rtcc', issuedBy: actor.user.username, ownerId, owner: await ownerView(ctx, ownerId),
            incident: {latitude: input.latitude, longitude: input.longitude, radiusMetres: input.radius}, window: {from: input.from, to: input.to}, reason: input.reason,
            status: 'issued', expiresAt, declineReason: null, cameras, evidence: [], createdAt: now.toISOString(), updatedAt: now.toISOString(),
          })
        }
      }
      return {caseId: input.caseId, dryRun: input.dryRun, requests: created, skipped: plan.skipped, camerasInRange: plan.camerasInRange}
    },
    (r) => ({target: input.caseId, detail: {dryRun: input.dryRun, requests: r.requests.map((q) => q.id), skipped: r.skipped.length}}),
  )
  if (input.dryRun) return result
  for (const request of result.requests) ctx.events.publish({type: 'request.issued', ownerId: request.ownerId, data: {requestId: request.id, caseId: request.caseId, cameras: request.cameras.length}})
  const receipts = await deliverRequests(ctx, result.requests.map((r) => ({id: r.id, token: tokens.get(r.id)!})))
  const requests = []
  for (const r of result.requests) requests.push({...r, status: (await ctx.store.requests.getRequestRow(r.id))!.status, mail: receipts.get(r.id)})
  return {...result, requests}
}

/** The requests of the actor's agency (all, for a user in no agency), newest first. */
export async function listRequests(ctx: ServiceContext, actor: Actor, query: {case?: string; status?: RequestStatus; limit: number}) {
  await expireDue(ctx)
  return ctx.audited(
    async () => {
      const rows = await ctx.store.requests.listRequestRows({caseId: query.case, status: query.status, agencyId: actor.user.agency_id ?? undefined, limit: query.limit})
      return Promise.all(rows.map((r) => view(ctx, r)))
    },
    (list) => ({detail: {query, rows: list.length}}),
  )
}

/** An owner's requests, from their session. */
export async function ownerInbox(ctx: ServiceContext, actor: Actor) {
  await expireDue(ctx)
  const scope = await cameraScope(ctx, actor)
  if (scope.kind !== 'owner') throw forbidden('owners only')
  return ctx.audited(
    async () => Promise.all((await ctx.store.requests.listRequestRows({ownerId: scope.ownerId})).map((r) => view(ctx, r))),
    (list) => ({detail: {rows: list.length}}),
  )
}

/** One request with its timeline. Only the owner opening it counts as `viewed`; agency reads leave the state alone. */
export async function showRequest(ctx: ServiceContext, actor: Actor, input: {id: string; source: string | null}) {
  await expireDue(ctx)
  const row = await visibleRequest(ctx, actor, input.id)
  const to = actor.role === 'owner' ? 'viewed' : row.status
  return moveAndView(ctx, row, to, timelineActor(actor), input.source, null, async () => ({timeline: await ctx.store.requests.timeline(row.id)}))
}

/** The request a one-time token opens (marks it viewed). */
export async function showByToken(ctx: ServiceContext, who: Answerer, input: {source: string | null}) {
  const {row, actor} = await answerableRequest(ctx, who)
  return moveAndView(ctx, row, 'viewed', actor, input.source)
}

export async function declineRequest(ctx: ServiceContext, who: Answerer, input: {reason: string; source: string | null}) {
  const {row, actor} = await answerableRequest(ctx, who)
  return moveAndView(ctx, row, 'declined', actor, input.source, {reason: input.reason})
}

/** The owner says the footage is all there: needs at least one uploaded clip. */
export async function fulfilRequest(ctx: ServiceContext, who: Answerer, input: {source: string | null}) {
  const {row, actor} = await answerableRequest(ctx, who)
  const files = await ctx.store.requests.evidenceSummaries(row.id)
  if (files.length === 0) throw badRequest('upload at least one clip before marking the request fulfilled')
  return moveAndView(ctx, row, 'fulfilled', actor, input.source, {files: files.map((f) => f.id)})
}

export async function cancelRequest(ctx: ServiceContext, actor: Actor, input: {id: string; reason?: string; source: string | null}) {
  const row = await visibleRequest(ctx, actor, input.id)
  if (!OPEN_STATUSES.includes(row.status)) throw new HttpError(409, 'closed', `request ${row.id} is already ${row.status}`)
  return moveAndView(ctx, row, 'cancelled', timelineActor(actor), input.source, input.reason ? {reason: input.reason} : null)
}

/** Mail again the open requests last mailed (or issued) longer ago than olderThanSeconds, each with a fresh token. */
export async function remindRequests(ctx: ServiceContext, actor: Actor, input: {olderThanSeconds: number; caseId?: string}) {
  await expireDue(ctx)
  const cutoff = new Date(ctx.now().getTime() - input.olderThanSeconds * 1000).toISOString()
  const due = (await ctx.store.requests.listRequestRows({caseId: input.caseId, agencyId: actor.user.agency_id ?? undefined, limit: 10_000})).filter(
    (r) => OPEN_STATUSES.includes(r.status) && (r.last_mailed_at ?? r.created_at) <= cutoff,
  )
  await ctx.audited(() => undefined, {detail: {requests: due.map((r) => r.id)}})
  const receipts = await deliverRequests(ctx, due.map((r) => ({id: r.id})), {reminder: true})
  return {reminded: due.map((r) => ({id: r.id, caseId: r.case_id, mail: receipts.get(r.id) ?? null}))}
}
