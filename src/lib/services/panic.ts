/**
 * The owner's panic button. The owner signs the panic (and its clear) with their key; the server
 * checks, stores and announces it to every dashboard (`panic.triggered` / `panic.cleared`, critical)
 * with the site, its location and the cameras it opens under `emergency` policies. The Core acts on
 * the signed statements only, so the server can neither fake a panic nor extend one.
 */
import {type PanicCamera, PanicClearPayload, PanicPayload, type PanicRecord, type PanicView} from '../domain/panic.js'
import type {OwnerStatement} from '../domain/policy.js'
import {decide} from '../policy/decide.js'
import {openStatement} from '../policy/document.js'
import {serverPolicy} from '../server/core-link/server-policy.js'
import {conflict} from '../server/http-error.js'
import {cameraScope} from '../server/scope.js'
import type {Actor, ServiceContext} from './context.js'
import {deviceKeys, panicKeys} from '../policy/device.js'
import {actingOwnerId, checkFresh, registeredKeys, statementRefused} from './policy.js'

const iso = (time: string) => new Date(time).toISOString()

type Located = {latitude: number; longitude: number; address: string | null}
interface Opened {
  cameras: PanicCamera[]
  all: Located[]
}

/** The owner's own keys and the devices they vouched for (verified again here, as a Core does). */
async function signingKeys(ctx: ServiceContext, ownerId: string) {
  const owned = await registeredKeys(ctx, ownerId)
  return panicKeys(owned, deviceKeys(await ctx.store.devices.vouchedDevices(ownerId), owned, {ownerId}))
}

/** The cameras the panic opens at `at` (as the server knows their policies; each Core decides for itself). */
export async function panicCameras(ctx: ServiceContext, panic: {ownerId: string; startedAt: string; until: string}, at: Date): Promise<Opened> {
  const cameras = await ctx.store.cameras.listCameras({kind: 'owner', ownerId: panic.ownerId}, {limit: 10_000})
  const shown = await ctx.store.policies.shownPolicies(cameras.map((c) => c.id))
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

export async function panicView(ctx: ServiceContext, record: PanicRecord, opened: Opened): Promise<PanicView> {
  const owner = await ctx.store.owners.getOwner(record.ownerId)
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

/** Stores the owner's signed panic and announces it; returns what it opens. */
export async function triggerPanic(ctx: ServiceContext, actor: Actor, input: {statement: OwnerStatement}): Promise<PanicView> {
  const ownerId = await actingOwnerId(ctx, actor)
  const now = ctx.now()
  const keys = await signingKeys(ctx, ownerId)
  let payload: PanicPayload
  try {
    payload = openStatement(input.statement, 'panic', PanicPayload, keys, {ownerId})
  } catch (error) {
    statementRefused(error)
  }
  checkFresh(payload.startedAt, now, 'startedAt')
  if (await ctx.store.panic.getPanic(payload.panicId)) throw conflict(`panic ${payload.panicId} was already triggered`)
  const record = await ctx.audited(
    () => ctx.store.panic.insertPanic({id: payload.panicId, ownerId, startedAt: iso(payload.startedAt), until: iso(payload.until), message: payload.message, statement: input.statement, now: now.toISOString()}),
    {target: payload.panicId, detail: {until: iso(payload.until), message: payload.message !== null}},
  )
  const view = await panicView(ctx, record, await panicCameras(ctx, record, new Date(Math.max(now.getTime(), Date.parse(record.startedAt)))))
  ctx.events.publish({type: 'panic.triggered', severity: 'critical', ownerId, data: {...view}})
  return view
}

/** Records the owner's signed clear on the panics it names that are still in force, and announces each. */
export async function clearPanic(ctx: ServiceContext, actor: Actor, input: {statement: OwnerStatement}): Promise<{cleared: PanicView[]}> {
  const ownerId = await actingOwnerId(ctx, actor)
  const now = ctx.now()
  const keys = await signingKeys(ctx, ownerId)
  let payload: PanicClearPayload
  try {
    payload = openStatement(input.statement, 'panic-clear', PanicClearPayload, keys, {ownerId})
  } catch (error) {
    statementRefused(error)
  }
  checkFresh(payload.clearedAt, now, 'clearedAt')
  const clearedAt = iso(payload.clearedAt)
  // What each panic had opened at the moment it is cleared: those cameras close now.
  const before = new Map<string, Opened>()
  for (const panic of await ctx.store.panic.activePanics(ownerId, new Date(clearedAt))) before.set(panic.id, await panicCameras(ctx, panic, new Date(clearedAt)))
  const cleared = await ctx.audited(() => ctx.store.panic.clearPanics(ownerId, payload.panicIds, clearedAt, input.statement), (list) => ({
    target: payload.panicIds.join(','),
    detail: {cleared: list.map((p) => p.id)},
  }))
  const views: PanicView[] = []
  for (const record of cleared) {
    const opened = before.get(record.id)!
    views.push(await panicView(ctx, record, {...opened, cameras: opened.cameras.map((c) => ({...c, until: clearedAt}))}))
  }
  for (const view of views) ctx.events.publish({type: 'panic.cleared', severity: 'critical', ownerId, data: {...view}})
  return {cleared: views}
}

/** The panics in force now: an owner's own, or every owner's for agency users. */
export async function listPanics(ctx: ServiceContext, actor: Actor): Promise<PanicView[]> {
  const scope = await cameraScope(ctx, actor)
  const now = ctx.now()
  const records = await ctx.store.panic.activePanics(scope.kind === 'owner' ? scope.ownerId : null, now)
  return ctx.audited(
    async () => {
      const views: PanicView[] = []
      for (const record of records) views.push(await panicView(ctx, record, await panicCameras(ctx, record, now)))
      return views
    },
    (list) => ({detail: {rows: list.length}}),
  )
}
