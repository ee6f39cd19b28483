/**
 * Sharing policies on the server: owners register their public key and upload policy documents they
 * signed; the server checks and stores them as they are and queues them for the Core. Agencies read
 * the modes. The server has no operation that changes or overrides a policy: every other attempt
 * (PUT, PATCH, DELETE, POST on a camera's policy, or an upload by anyone but an owner) is refused with
 * 403 and audited with the camera as its target.
 */
import {z} from 'zod'

import type {Camera} from '../../domain/camera.js'
import {
  type AgencyPolicyView,
  type CameraPolicy,
  type DecisionExplanation,
  type OwnerPolicyView,
  type OwnerPublicKey,
  type PolicyView,
  RegisterKeyBody,
  UploadPolicyBody,
  VideoKind,
} from '../../domain/policy.js'
import {ANY_ROLE, READ_REGISTRY, ROLES, type Role} from '../../domain/roles.js'
import {ownerKeyId, StatementError, verifyPolicyDocument} from '../../policy/document.js'
import {explainDecision} from '../../policy/explain.js'
import {getCamera, listCameras} from '../../store/cameras.js'
import * as policies from '../../store/policies.js'
import {findUserByName} from '../../store/users.js'
import type {Actor, ServerContext} from '../context.js'
import {ownerGrants, serverPolicy} from '../core-link/server-policy.js'
import {badRequest, conflict, forbidden, HttpError, notFound} from '../http-error.js'
import {defineRoute} from '../route.js'
import {cameraScope} from '../scope.js'

/** How far an owner's clock may be from the server's when they sign a panic or an approval. */
export const CLOCK_SKEW_MS = 5 * 60_000

export function checkFresh(time: string, now: Date, field: string): void {
  const skew = Date.parse(time) - now.getTime()
  if (Math.abs(skew) > CLOCK_SKEW_MS)
    throw badRequest(`${field} ${time} is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'ahead of' : 'behind'} the server's clock; set your computer's clock and try again`, field)
}

/** A statement the server will not store, as an HTTP error: a replay is a conflict, anything else a bad request. */
export function statementRefused(error: unknown): never {
  if (error instanceof StatementError) throw new HttpError(error.problem === 'stale' ? 409 : 400, error.code, error.message)
  throw error
}

/** The acting owner's profile id (owners only). */
export function actingOwnerId(ctx: ServerContext, actor: Actor): string {
  const scope = cameraScope(ctx, actor)
  if (scope.kind !== 'owner') throw forbidden('only the camera owner may do this')
  return scope.ownerId
}

/** The owner's registered keys; refuses when there are none yet. */
export function registeredKeys(ctx: ServerContext, ownerId: string): OwnerPublicKey[] {
  const keys = policies.ownerKeys(ctx.db, ownerId)
  if (keys.length === 0) throw new HttpError(409, 'no_owner_key', 'register your owner key first (any `rtcc policy set`, `rtcc panic trigger` or `rtcc policy key` does it)')
  return keys
}

function visibleCamera(ctx: ServerContext, actor: Actor, id: string): Camera {
  const camera = getCamera(ctx.db, cameraScope(ctx, actor), id)
  if (!camera) throw notFound(`camera ${id}`)
  return camera
}

export {serverPolicy} from '../core-link/server-policy.js'

function policyViews(ctx: ServerContext, actor: Actor, cameras: Camera[]): PolicyView[] {
  const ids = cameras.map((c) => c.id)
  const shown = policies.shownPolicies(ctx.db, ids)
  const pending = actor.role === 'owner' ? policies.pendingVersions(ctx.db, ids) : new Map<string, number>()
  return cameras.map((camera) => {
    const s = shown.get(camera.id)
    const base = {cameraId: camera.id, cameraName: camera.name, live: s?.live ?? 'never', recorded: s?.recorded ?? 'never', source: s?.source ?? ('default' as const), updatedAt: s?.updatedAt ?? null}
    if (actor.role !== 'owner') return {view: 'agency', ...base} satisfies AgencyPolicyView
    const {policy, complete} = serverPolicy(s, camera.id, ctx.now())
    return {view: 'owner', ...base, ownerId: camera.ownerId, policy: complete ? policy : null, version: policy.version, pendingVersion: pending.get(camera.id) ?? null} satisfies OwnerPolicyView
  })
}

const cameraIdIn = (body: unknown): string | undefined => {
  try {
    const id = (JSON.parse((body as {document: {payload: string}}).document.payload) as {cameraId?: unknown}).cameraId
    return typeof id === 'string' ? id.slice(0, 100) : undefined
  } catch {
    return undefined
  }
}

const NOT_YOURS = "a camera's sharing policy is its owner's alone: it changes only by the owner's signed document, never through the server"

/** Routes that exist to refuse: any role, any camera, always 403, audited with the camera as target. */
const refuse = (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string) =>
  defineRoute({
    method,
    url,
    action: 'policy.change',
    roles: ANY_ROLE,
    handler: ({params, req}) => {
      req.rtcc.target = params.cameraId
      req.rtcc.detail = {method, refused: 'the server cannot change policies'}
      throw forbidden(NOT_YOURS)
    },
  })

const DecisionQuery = z.object({
  kind: VideoKind.default('live'),
  at: z.iso.datetime({offset: true}).optional(),
  /** A role name, or a user name (whose role, id and agency then count, e.g. for approvals bound to them). */
  as: z.string().min(1).max(100).optional(),
})

function requesterFor(ctx: ServerContext, actor: Actor, as: string | undefined): DecisionExplanation['context']['requester'] {
  if (!as) return {role: actor.role, userId: actor.user.id, agencyId: actor.user.agency_id ?? null, name: actor.user.username}
  if ((ROLES as readonly string[]).includes(as)) return {role: as as Role}
  const user = findUserByName(ctx.db, as)
  if (!user) throw badRequest(`--as ${as}: no such role or user (roles: ${ROLES.join(', ')})`, 'as')
  return {role: user.role, userId: user.id, agencyId: user.agency_id ?? null, name: user.username}
}

export const policyRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/owner-keys',
    action: 'policy.key.list',
    roles: ['owner'],
    handler: ({ctx, actor, tx}) => tx(() => policies.ownerKeys(ctx.db, actingOwnerId(ctx, actor))),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/owner-keys',
    action: 'policy.key.register',
    roles: ['owner'],
    body: RegisterKeyBody,
    handler: ({ctx, actor, body, tx, reply}) => {
      const ownerId = actingOwnerId(ctx, actor)
      const key = {ownerId, keyId: ownerKeyId(body.publicKey), publicKey: body.publicKey}
      const existing = policies.ownerKeys(ctx.db, ownerId)
      if (existing.some((k) => k.keyId === key.keyId)) return tx(() => key, {target: key.keyId})
      // A second key would let whoever holds it speak for the owner; Cores pin the first one.
      if (existing.length) throw conflict(`you already registered owner key ${existing[0]!.keyId}; it cannot be replaced through the server: copy its key file (owner-keys/ in your rtcc config folder) from the computer that made it`)
      reply.code(201)
      return tx(() => {
        policies.insertOwnerKey(ctx.db, key, ctx.now().toISOString())
        return key
      }, {target: key.keyId})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/policies',
    action: 'policy.list',
    roles: [...READ_REGISTRY, 'owner'],
    query: z.object({limit: z.coerce.number().int().min(1).max(10_000).default(1000)}),
    handler: ({ctx, actor, query, tx}) => {
      const scope = cameraScope(ctx, actor)
      // Agencies see the cameras a Core shares from (live-capable); owners all of theirs.
      const cameras = listCameras(ctx.db, scope, {limit: query.limit, liveCapable: scope.kind === 'owner' ? undefined : true})
      return tx(() => policyViews(ctx, actor, cameras), {detail: (list) => ({rows: list.length})})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/policies/:cameraId',
    action: 'policy.read',
    roles: [...READ_REGISTRY, 'owner'],
    handler: ({ctx, actor, params, tx}) => {
      const camera = visibleCamera(ctx, actor, params.cameraId!)
      return tx(() => policyViews(ctx, actor, [camera])[0]!, {target: camera.id})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/policies/:cameraId/decision',
    action: 'policy.explain',
    roles: [...READ_REGISTRY, 'owner'],
    query: DecisionQuery,
    handler: ({ctx, actor, params, query, tx}): DecisionExplanation => {
      const camera = visibleCamera(ctx, actor, params.cameraId!)
      const at = query.at ? new Date(query.at) : ctx.now()
      const shown = policies.shownPolicies(ctx.db, [camera.id]).get(camera.id)
      const {policy} = serverPolicy(shown, camera.id, at)
      const requester = requesterFor(ctx, actor, query.as)
      const {panic, approvals} = ownerGrants(ctx, camera, at)
      const context = {kind: query.kind, at, requester, panic, approvals: approvals ?? []}
      const owner = actor.role === 'owner'
      const {decision, steps} = explainDecision(policy, context, {detail: owner})
      return tx(
        () => ({cameraId: camera.id, cameraName: camera.name, policy: owner ? policy : null, source: shown?.source ?? 'default', context: {...context, at: at.toISOString()}, decision, steps}),
        {target: camera.id, detail: {kind: query.kind, at: at.toISOString(), as: query.as ?? null, allow: decision.allow}},
      )
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/policies',
    action: 'policy.upload',
    // Every role reaches the handler so that a refusal is audited with the camera it aimed at.
    roles: ANY_ROLE,
    handler: ({ctx, actor, body, req, tx, reply}) => {
      req.rtcc.target = cameraIdIn(body)
      if (actor.role !== 'owner') throw forbidden(NOT_YOURS)
      const parsed = UploadPolicyBody.safeParse(body)
      if (!parsed.success) throw badRequest(`body field "${parsed.error.issues[0]!.path.join('.')}": ${parsed.error.issues[0]!.message}`)
      const ownerId = actingOwnerId(ctx, actor)
      const keys = registeredKeys(ctx, ownerId)
      const document = parsed.data.document
      const camera = visibleCamera(ctx, actor, req.rtcc.target ?? '')
      const now = ctx.now().toISOString()
      let policy: CameraPolicy | undefined
      const view = tx(
        () => {
          // Checked inside the transaction, so two uploads cannot both pass as "newer".
          const current = policies.shownPolicies(ctx.db, [camera.id]).get(camera.id)
          try {
            policy = verifyPolicyDocument(document, keys, {ownerId, cameraId: camera.id, current})
          } catch (error) {
            statementRefused(error)
          }
          policies.insertPolicyDocument(ctx.db, {ownerId, policy, document, now})
          return policyViews(ctx, actor, [camera])[0] as OwnerPolicyView
        },
        {target: camera.id, detail: () => ({version: policy!.version, live: policy!.live.mode, recorded: policy!.recorded.mode, keyId: document.keyId})},
      )
      reply.code(201)
      ctx.events.publish({type: 'policy.updated', ownerId, data: {cameraId: camera.id, cameraName: camera.name, live: view.live, recorded: view.recorded, version: view.version}})
      return view
    },
  }),

  refuse('POST', '/v1/policies/:cameraId'),
  refuse('PUT', '/v1/policies/:cameraId'),
  refuse('PATCH', '/v1/policies/:cameraId'),
  refuse('DELETE', '/v1/policies/:cameraId'),
]
