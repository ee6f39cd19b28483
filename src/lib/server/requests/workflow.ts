/**
 * Request state changes. Each one updates the row, appends to the request's timeline (the start of its
 * chain of custody), is audited (by the route's transaction, or here for the server's own changes:
 * delivery, expiry) and, once committed, is published as a `request.<state>` event.
 */
import {appendWithSqlite} from '../../audit/log.js'
import type {RequestStatus, TimelineActor} from '../../domain/requests.js'
import * as requests from '../../store/requests.js'
import type {Actor, ServerContext} from '../context.js'

export const SERVER_ACTOR: TimelineActor = {id: 'server', role: 'system', name: 'rtcc server'}

export const timelineActor = (actor: Actor): TimelineActor => ({id: actor.user.id, role: actor.role, name: actor.user.username})

const TRANSITIONS: Record<RequestStatus, RequestStatus[]> = {
  issued: ['delivered', 'viewed', 'fulfilled', 'declined', 'expired', 'cancelled'],
  delivered: ['viewed', 'fulfilled', 'declined', 'expired', 'cancelled'],
  viewed: ['fulfilled', 'declined', 'expired', 'cancelled'],
  fulfilled: [],
  declined: [],
  expired: [],
  cancelled: [],
}

export const canMove = (from: RequestStatus, to: RequestStatus) => TRANSITIONS[from].includes(to)

/** Change state inside the caller's transaction; returns the event to publish after commit (or nothing if it was not a move). */
export function moveRequest(
  ctx: ServerContext,
  row: requests.RequestRow,
  to: RequestStatus,
  actor: TimelineActor,
  from: string | null,
  detail: Record<string, unknown> | null = null,
): (() => void) | undefined {
  if (!canMove(row.status, to)) return undefined
  const now = ctx.now().toISOString()
  requests.setRequestStatus(ctx.db, row.id, to, now, {declineReason: typeof detail?.reason === 'string' && to === 'declined' ? detail.reason : undefined})
  requests.addTimeline(ctx.db, row.id, {time: now, actor, from, event: to, target: row.id, detail})
  return () =>
    ctx.events.publish({
      type: `request.${to}`,
      severity: to === 'declined' || to === 'expired' ? 'warning' : 'info',
      ownerId: row.owner_id,
      data: {requestId: row.id, caseId: row.case_id, agency: row.agency_name, from: row.status, to, ...(typeof detail?.reason === 'string' ? {reason: detail.reason} : {})},
    })
}

/** A change the server makes on its own (delivery, expiry): its own transaction and audit record. */
export function systemMove(ctx: ServerContext, row: requests.RequestRow, to: RequestStatus, detail: Record<string, unknown> | null = null): boolean {
  const publish = ctx.db.transaction(() => {
    const current = requests.getRequestRow(ctx.db, row.id)
    if (!current) return undefined
    const done = moveRequest(ctx, current, to, SERVER_ACTOR, null, detail)
    if (done)
      appendWithSqlite(ctx.db, {time: ctx.now().toISOString(), actorName: 'rtcc server', role: 'system', action: `request.${to}`, target: row.id, outcome: 'allowed', source: 'server', detail})
    return done
  })()
  publish?.()
  ctx.audit.afterCommitSoon()
  return publish !== undefined
}

/** Expire open requests past their date; run on a timer and before answering reads. */
export function expireDue(ctx: ServerContext): number {
  let count = 0
  for (const row of requests.dueForExpiry(ctx.db, ctx.now().toISOString())) if (systemMove(ctx, row, 'expired')) count++
  return count
}
