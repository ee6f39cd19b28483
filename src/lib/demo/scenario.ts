/**
 * The scripted story the demo plays through the real API, one step at a time with a pause between
 * them so a dashboard watcher sees each event arrive: an investigator canvasses the blocks around a
 * robbery, a resident declines, the shop owner opens the request and answers with a clip recorded
 * from their (simulated) camera. The panic and the access approval wait for `rtcc panic` and
 * `rtcc access` (issue 5): their steps are here, reported as pending, to be filled in then.
 */
import {setTimeout as sleep} from 'node:timers/promises'

import type {ApiClient} from '../client/api.js'
import {fulfil} from '../client/fulfil.js'
import type {CanvassResult, FootageRequest} from '../domain/requests.js'
import type {DemoOwner} from './accounts.js'

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
  /** Answers with footage from its cameras. */
  shop: DemoOwner
  /** Declines. */
  resident: DemoOwner
  incident: Incident
  /** Records a few seconds from one of the shop's cameras; returns the file. */
  recordClip(cameraId: string): Promise<string>
}

export type Outcome = 'done' | 'skipped' | 'pending' | 'failed'

export interface StepResult {
  step: string
  outcome: Outcome
  detail: string
  at: string
}

interface State {
  requests: FootageRequest[]
}

interface Step {
  step: string
  run(ctx: ScenarioContext, state: State): Promise<string | {outcome: Outcome; detail: string}>
}

const requestOf = (state: State, owner: DemoOwner) => {
  const request = state.requests.find((r) => r.ownerId === owner.ownerId)
  if (!request) throw Object.assign(new Error(`the canvass did not reach ${owner.account.username}`), {skip: true})
  return request
}

export const STEPS: Step[] = [
  {
    step: 'canvass issued',
    run: async (ctx, state) => {
      const {caseId, latitude, longitude, radius, from, to, reason} = ctx.incident
      const result = await ctx.investigator.post<CanvassResult>('/v1/requests/canvass', {caseId, latitude, longitude, radius, from, to, reason, expiresInSeconds: 7 * 86_400})
      state.requests = result.requests
      const cameras = result.requests.reduce((n, r) => n + r.cameras.length, 0)
      return `case ${caseId}: ${result.requests.length} request(s) to ${result.requests.length} owner(s) for ${cameras} camera(s) within ${radius}; ${result.skipped.length} camera(s) skipped`
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
      const camera = ctx.shop.cameras[0]!
      const clip = await ctx.recordClip(camera.id)
      const {uploaded} = await fulfil(ctx.shop.api, `/v1/requests/${request.id}`, {files: [clip], camera: camera.id})
      return `${ctx.shop.account.username} uploaded ${uploaded.length} clip(s) from "${camera.name}" (sha256 ${uploaded[0]!.sha256.slice(0, 12)}…) and fulfilled ${request.id}`
    },
  },
  {
    // Hook for issue 5: `rtcc panic trigger` as the shop owner, opening its cameras under `emergency`.
    step: 'shop owner presses the panic button',
    run: async () => ({outcome: 'pending', detail: 'waits for `rtcc panic trigger` (issue 5)'}),
  },
  {
    // Hook for issue 5: `rtcc access request` by the investigator, `rtcc access approve` by the owner.
    step: 'investigator asks for live access, owner approves',
    run: async () => ({outcome: 'pending', detail: 'waits for `rtcc access request|approve` (issue 5)'}),
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
      const answer = await step.run(ctx, state)
      result = {step: step.step, ...(typeof answer === 'string' ? {outcome: 'done', detail: answer} : answer), at: new Date().toISOString()}
    } catch (error) {
      const skip = (error as {skip?: boolean}).skip
      result = {step: step.step, outcome: skip ? 'skipped' : 'failed', detail: (error as Error).message, at: new Date().toISOString()}
    }
    results.push(result)
    options.onStep?.(result)
  }
  return results
}
