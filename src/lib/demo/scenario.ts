/**
 * The scripted story the demo plays through the real API, one step at a time with a pause between
 * them so a dashboard watcher sees each event arrive: an investigator canvasses the blocks around
 * last night's robbery; a resident declines and the shop answers with a clip. Tonight the shop owner
 * presses the panic button, which opens the front door camera under its `emergency` policy; the
 * investigator watches it, asks for the register camera (`approval`), the owner approves, and later
 * clears the panic, which closes the front door share at once.
 */
import {setTimeout as sleep} from 'node:timers/promises'

import {approveAccess, requestAccess} from '../client/access.js'
import type {ApiClient} from '../client/api.js'
import {fulfil} from '../client/fulfil.js'
import {clearPanic, triggerPanic} from '../client/panic.js'
import type {AccessRequest} from '../domain/access.js'
import type {CanvassResult, FootageRequest} from '../domain/requests.js'
import type {StreamGrant} from '../domain/stream.js'
import type {DemoOwner} from './accounts.js'
import type {ShopCamera} from './site.js'

export interface Incident {
  caseId: string
  latitude: number
  longitude: number
  radius: string
  from: string
  to: string
  reason: string
}

export interface ScenarioContext {
  investigator: ApiClient
  /** Answers with footage, presses the panic button, approves access. */
  shop: Omit<DemoOwner, 'cameras'> & {cameras: ShopCamera[]}
  /** Declines. */
  resident: DemoOwner
  incident: Incident
  /** Records a few seconds from one of the shop's cameras; returns the file. */
  recordClip(cameraId: string): Promise<string>
  /** Opens a camera's live video as the investigator and keeps watching until the demo stops. */
  watchLive(cameraId: string): Promise<StreamGrant>
}

export type Outcome = 'done' | 'skipped' | 'failed'

export interface StepResult {
  step: string
  outcome: Outcome
  detail: string
  at: string
}

interface State {
  requests: FootageRequest[]
  access?: AccessRequest
}

interface Step {
  step: string
  run(ctx: ScenarioContext, state: State): Promise<string>
}

/** A step that cannot run because an earlier one did not happen. */
const skip = (why: string) => Object.assign(new Error(why), {skip: true})

const requestOf = (state: State, owner: {ownerId: string; account: {username: string}}) => {
  const request = state.requests.find((r) => r.ownerId === owner.ownerId)
  if (!request) throw skip(`the canvass did not reach ${owner.account.username}`)
  return request
}

const cameraSharing = (ctx: ScenarioContext, mode: string) => {
  const camera = ctx.shop.cameras.find((c) => c.live === mode)
  if (!camera) throw skip(`the shop has no camera that shares live video under "${mode}"`)
  return camera
}

export const STEPS: Step[] = [
  {
    step: 'canvass issued',
    run: async (ctx, state) => {
      const {caseId, latitude, longitude, radius, from, to, reason} = ctx.incident
      const result = await ctx.investigator.post<CanvassResult>('/v1/requests/canvass', {caseId, latitude, longitude, radius, from, to, reason, expiresInSeconds: 7 * 86_400})
      state.requests = result.requests
      const cameras = result.requests.reduce((n, r) => n + r.cameras.length, 0)
      return `case ${caseId}: ${result.requests.length} request(s) for ${cameras} camera(s) within ${radius}; ${result.skipped.length} camera(s) left out`
    },
  },
  {
    step: 'resident declines',
    run: async (ctx, state) => {
      const request = requestOf(state, ctx.resident)
      await ctx.resident.api.get(`/v1/requests/${request.id}`)
      await ctx.resident.api.post(`/v1/requests/${request.id}/decline`, {reason: 'My doorbell camera only records motion at my door; it has nothing from the street that night.'})
      return `${ctx.resident.account.username} declined ${request.id}`
    },
  },
  {
    step: 'shop owner opens the request',
    run: async (ctx, state) => {
      const request = requestOf(state, ctx.shop)
      await ctx.shop.api.get(`/v1/requests/${request.id}`)
      return `${ctx.shop.account.username} viewed ${request.id}`
    },
  },
  {
    step: 'shop owner fulfils with a clip',
    run: async (ctx, state) => {
      const request = requestOf(state, ctx.shop)
      const camera = ctx.shop.cameras.find((c) => request.cameras.some((r) => r.cameraId === c.id)) ?? ctx.shop.cameras[0]!
      const path = `/v1/requests/${request.id}`
      const {uploaded} = await fulfil({api: ctx.shop.api, path, viewPath: path}, {clips: [{camera: camera.id, files: [await ctx.recordClip(camera.id)]}], done: true})
      return `${ctx.shop.account.username} uploaded ${uploaded.length} clip(s) from "${camera.name}" (sha256 ${uploaded[0]!.sha256.slice(0, 12)}…) and fulfilled ${request.id}`
    },
  },
  {
    step: 'shop owner presses the panic button',
    run: async (ctx) => {
      const panic = await triggerPanic(ctx.shop.api, {message: 'Two men with a gun at the register', durationMs: 30 * 60_000})
      return `PANIC at ${panic.site}; opens ${panic.cameras.map((c) => c.name).join(', ') || 'no camera'}`
    },
  },
  {
    step: 'investigator watches the front door (emergency)',
    run: async (ctx) => {
      const grant = await ctx.watchLive(cameraSharing(ctx, 'emergency').id)
      return `${grant.cameraName} live: ${grant.policy.reason}`
    },
  },
  {
    step: 'investigator asks for the register camera',
    run: async (ctx, state) => {
      const camera = cameraSharing(ctx, 'approval')
      state.access = await requestAccess(ctx.investigator, {camera: camera.id, reason: 'Robbery in progress: identify the suspects at the till', durationMs: 15 * 60_000})
      return `access request ${state.access.id} for ${camera.name}`
    },
  },
  {
    step: 'shop owner approves 15 minutes',
    run: async (ctx, state) => {
      if (!state.access) throw skip('no access request was made')
      const approved = await approveAccess(ctx.shop.api, state.access.id)
      state.access = approved
      return `approved until ${approved.window?.until ?? '?'}`
    },
  },
  {
    step: 'investigator watches the register (approved)',
    run: async (ctx, state) => {
      if (state.access?.status !== 'approved') throw skip('no access was approved')
      const grant = await ctx.watchLive(cameraSharing(ctx, 'approval').id)
      return `${grant.cameraName} live: ${grant.policy.reason}`
    },
  },
  {
    step: 'shop owner clears the panic',
    run: async (ctx) => {
      const {cleared} = await clearPanic(ctx.shop.api)
      return `cleared ${cleared.length} panic(s): the emergency share ends now`
    },
  },
]

export async function playScenario(
  ctx: ScenarioContext,
  options: {paceMs: number; signal?: AbortSignal; onStep?: (result: StepResult) => void},
): Promise<StepResult[]> {
  const state: State = {requests: []}
  const results: StepResult[] = []
  for (const [i, step] of STEPS.entries()) {
    if (options.signal?.aborted) break
    if (i > 0 && options.paceMs > 0) await sleep(options.paceMs, undefined, {signal: options.signal}).catch(() => undefined)
    if (options.signal?.aborted) break
    let result: StepResult
    try {
      result = {step: step.step, outcome: 'done', detail: await step.run(ctx, state), at: new Date().toISOString()}
    } catch (error) {
      result = {step: step.step, outcome: (error as {skip?: boolean}).skip ? 'skipped' : 'failed', detail: (error as Error).message, at: new Date().toISOString()}
    }
    results.push(result)
    options.onStep?.(result)
  }
  return results
}
