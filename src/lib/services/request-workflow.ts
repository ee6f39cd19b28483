/**
 * Request state changes. Each one updates the row, appends to the request's timeline (the start of its
 * chain of custody), is audited (by the caller's audited transaction, or here for the server's own
 * changes: delivery, expiry) and, once committed, is published as a `request.<state>` event.
 */
import type {RequestStatus, TimelineActor} from '../domain/requests.js'
import {systemContext} from './system.js'
import type {RequestRow} from '../store/requests.js'
import type {Actor, ServerContext} from '../server/context.js'

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
export async function moveRequest(
  ctx: ServerContext,
  row: RequestRow,
  to: RequestStatus,
  actor: TimelineActor,
  from: string | null,
  detail: Record<string, unknown> | null = null,
): Promise<(() => void) | undefined> {
  if (!canMove(row.status, to)) return undefined
  const now = ctx.now().toISOString()
  await ctx.store.requests.setRequestStatus(row.id, to, now, {declineReason: typeof detail?.reason === 'string' && to === 'declined' ? detail.reason : undefined})
  await ctx.store.requests.addTimeline(row.id, {time: now, actor, from, event: to, target: row.id, detail})
  return () =>
    ctx.events.publish({
      type: `request.${to}`,
      severity: to === 'declined' || to === 'expired' ? 'warning' : 'info',
      ownerId: row.owner_id,
      data: {requestId: row.id, caseId: row.case_id, agency: row.agency_name, from: row.status, to, ...(typeof detail?.reason === 'string' ? {reason: detail.reason} : {})},
    })
}

/**
 * A change the server makes on its own (delivery, expiry): its own transaction and audit record, only
 * if it moved. The row is locked first, so when several instances try the same move (each runs the
 * expiry timer) exactly one moves it, audits it and publishes its event; the others find it moved.
 */
export async function systemMove(ctx: ServerContext, row: RequestRow, to: RequestStatus, detail: Record<string, unknown> | null = null): Promise<boolean> {
  const system = systemContext(ctx, {action: `request.${to}`, target: row.id, detail: detail ?? undefined})
  const publish = await ctx.store.transaction(async () => {
    const current = await ctx.store.requests.lockRequestRow(row.id)
    if (!current || !canMove(current.status, to)) return undefined
    return system.audited(() => moveRequest(system, current, to, SERVER_ACTOR, null, detail))
  })
  publish?.()
  return publish !== undefined
}

/** Expire open requests past their date; run on a timer and before answering reads. */
export async function expireDue(ctx: ServerContext): Promise<number> {
  let count = 0
  for (const row of await ctx.store.requests.dueForExpiry(ctx.now().toISOString())) if (await systemMove(ctx, row, 'expired')) count++
  return count
}
