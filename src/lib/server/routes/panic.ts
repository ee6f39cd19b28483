/**
 * The owner's panic button. The owner signs the panic (and its clear) with their key; the server
 * checks, stores and announces it to every dashboard (`panic.triggered` / `panic.cleared`, critical)
 * with the site, its location and the cameras it opens under `emergency` policies. The Core acts on
 * the signed statements only, so the server can neither fake a panic nor extend one.
 */
import {type PanicCamera, PanicClearPayload, PanicPayload, type PanicRecord, PanicStatementBody, type PanicView} from '../../domain/panic.js'
import {READ_REGISTRY} from '../../domain/roles.js'
import {openStatement} from '../../policy/document.js'
import {decide} from '../../policy/decide.js'
import {listCameras} from '../../store/cameras.js'
import {getOwner} from '../../store/owners.js'
import * as panics from '../../store/panic.js'
import {shownPolicies} from '../../store/policies.js'
import type {ServerContext} from '../context.js'
import {conflict} from '../http-error.js'
import {defineRoute} from '../route.js'
import {cameraScope} from '../scope.js'
import {actingOwnerId, checkFresh, registeredKeys, serverPolicy, statementRefused} from './policy.js'

const iso = (time: string) => new Date(time).toISOString()

/** The cameras the panic opens at `at` (as the server knows their policies; each Core decides for itself). */
function panicCameras(ctx: ServerContext, panic: {ownerId: string; startedAt: string; until: string}, at: Date): {cameras: PanicCamera[]; all: {latitude: number; longitude: number; address: string | null}[]} {
  const cameras = listCameras(ctx.db, {kind: 'owner', ownerId: panic.ownerId}, {limit: 10_000})
  const shown = shownPolicies(ctx.db, cameras.map((c) => c.id))
  const opened = cameras.flatMap((camera): PanicCamera[] => {
    const {policy} = serverPolicy(shown.get(camera.id), camera.id, at)
    if (policy.live.mode !== 'emergency' && policy.recorded.mode !== 'emergency') return []
    const ask = (kind: 'live' | 'recorded') => decide(policy, {kind, at, requester: {role: 'investigator'}, panic: {startedAt: panic.startedAt, until: panic.until}})
    const [live, recorded] = [ask('live'), ask('recorded')].map((d) => (d.code === 'emergency-active' ? d : undefined))
    if (!live && !recorded) return []
    const until = [live?.until, recorded?.until].filter((u): u is string => Boolean(u)).sort().at(-1) ?? null
    return [{id: camera.id, name: camera.name, live: Boolean(live), recorded: Boolean(recorded), until}]
  })
  return {cameras: opened, all: cameras}
}

function panicView(ctx: ServerContext, record: PanicRecord, opened: {cameras: PanicCamera[]; all: {latitude: number; longitude: number; address: string | null}[]}): PanicView {
  const owner = getOwner(ctx.db, record.ownerId)
  const {all} = opened
  const mean = (values: number[]) => (values.length ? Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(6)) : null)
  return {
    panicId: record.id,
    ownerId: record.ownerId,
    site: owner?.organisation ?? owner?.displayName ?? record.ownerId,
    latitude: mean(all.map((c) => c.latitude)),
    longitude: mean(all.map((c) => c.longitude)),
    address: all.find((c) => c.address)?.address ?? null,
    message: record.message,
    startedAt: record.startedAt,
    until: record.until,
    clearedAt: record.clearedAt,
    cameras: opened.cameras,
  }
}

export const panicRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/panic',
    action: 'panic.trigger',
    roles: ['owner'],
    body: PanicStatementBody,
    handler: ({ctx, actor, body, tx, reply}) => {
      const ownerId = actingOwnerId(ctx, actor)
      const now = ctx.now()
      let payload: PanicPayload
      try {
        payload = openStatement(body.statement, 'panic', PanicPayload, registeredKeys(ctx, ownerId), {ownerId})
      } catch (error) {
        statementRefused(error)
      }
      checkFresh(payload.startedAt, now, 'startedAt')
      if (panics.getPanic(ctx.db, payload.panicId)) throw conflict(`panic ${payload.panicId} was already triggered`)
      const record = tx(
        () => panics.insertPanic(ctx.db, {id: payload.panicId, ownerId, startedAt: iso(payload.startedAt), until: iso(payload.until), message: payload.message, statement: body.statement, now: now.toISOString()}),
        {target: payload.panicId, detail: {until: iso(payload.until), message: payload.message !== null}},
      )
      const view = panicView(ctx, record, panicCameras(ctx, record, new Date(Math.max(now.getTime(), Date.parse(record.startedAt)))))
      ctx.events.publish({type: 'panic.triggered', severity: 'critical', ownerId, data: {...view}})
      reply.code(201)
      return view
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/panic/clear',
    action: 'panic.clear',
    roles: ['owner'],
    body: PanicStatementBody,
    handler: ({ctx, actor, body, tx}) => {
      const ownerId = actingOwnerId(ctx, actor)
      const now = ctx.now()
      let payload: PanicClearPayload
      try {
        payload = openStatement(body.statement, 'panic-clear', PanicClearPayload, registeredKeys(ctx, ownerId), {ownerId})
      } catch (error) {
        statementRefused(error)
      }
      checkFresh(payload.clearedAt, now, 'clearedAt')
      const clearedAt = iso(payload.clearedAt)
      // What each panic had opened at the moment it is cleared: those cameras close now.
      const before = new Map(panics.activePanics(ctx.db, ownerId, new Date(clearedAt)).map((p) => [p.id, panicCameras(ctx, p, new Date(clearedAt))]))
      const cleared = tx(() => panics.clearPanics(ctx.db, ownerId, payload.panicIds, clearedAt, body.statement), {
        target: payload.panicIds.join(','),
        detail: (list) => ({cleared: list.map((p) => p.id)}),
      })
      const views = cleared.map((record) => {
        const opened = before.get(record.id)!
        return panicView(ctx, record, {...opened, cameras: opened.cameras.map((c) => ({...c, until: clearedAt}))})
      })
      for (const view of views) ctx.events.publish({type: 'panic.cleared', severity: 'critical', ownerId, data: {...view}})
      return {cleared: views}
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/panic',
    action: 'panic.list',
    roles: [...READ_REGISTRY, 'owner'],
    handler: ({ctx, actor, tx}) => {
      const scope = cameraScope(ctx, actor)
      const now = ctx.now()
      const records = panics.activePanics(ctx.db, scope.kind === 'owner' ? scope.ownerId : null, now)
      return tx(() => records.map((r) => panicView(ctx, r, panicCameras(ctx, r, now))), {detail: (list) => ({rows: list.length})})
    },
  }),
]
