/**
 * Sharing policies on the server: owners register their public key and upload policy documents they
 * signed; the server checks and stores them as they are and queues them for the Core. Agencies read
 * the modes. The server has no operation that changes or overrides a policy: every other attempt is
 * refused and audited with the camera as its target (`refusePolicyChange`).
 *
 * Also the checks every owner statement goes through (panics and approvals too): the acting owner,
 * their registered keys, a fresh signing time, and a refused statement as the right error.
 */
import type {Camera} from '../domain/camera.js'
import {
  type AgencyPolicyView,
  type CameraPolicy,
  type DecisionExplanation,
  type OwnerPolicyView,
  type OwnerPublicKey,
  type PolicyView,
  UploadPolicyBody,
  type VideoKind,
} from '../domain/policy.js'
import {ROLES, type Role} from '../domain/roles.js'
import {ownerKeyId, StatementError, verifyPolicyDocument} from '../policy/document.js'
import {explainDecision} from '../policy/explain.js'
import {ownerGrants, serverPolicy} from '../server/core-link/server-policy.js'
import {badRequest, conflict, forbidden, HttpError, notFound} from '../server/http-error.js'
import {cameraScope} from '../server/scope.js'
import type {Actor, ServiceContext} from './context.js'

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
export async function actingOwnerId(ctx: ServiceContext, actor: Actor): Promise<string> {
  const scope = await cameraScope(ctx, actor)
  if (scope.kind !== 'owner') throw forbidden('only the camera owner may do this')
  return scope.ownerId
}

/** The owner's registered keys; refuses when there are none yet. */
export async function registeredKeys(ctx: ServiceContext, ownerId: string): Promise<OwnerPublicKey[]> {
  const keys = await ctx.store.policies.ownerKeys(ownerId)
  if (keys.length === 0) throw new HttpError(409, 'no_owner_key', 'register your owner key first (any `rtcc policy set`, `rtcc panic trigger` or `rtcc policy key` does it)')
  return keys
}

async function visibleCamera(ctx: ServiceContext, actor: Actor, id: string): Promise<Camera> {
  const camera = await ctx.store.cameras.getCamera(await cameraScope(ctx, actor), id)
  if (!camera) throw notFound(`camera ${id}`)
  return camera
}

async function policyViews(ctx: ServiceContext, actor: Actor, cameras: Camera[]): Promise<PolicyView[]> {
  const ids = cameras.map((c) => c.id)
  const shown = await ctx.store.policies.shownPolicies(ids)
  const pending = actor.role === 'owner' ? await ctx.store.policies.pendingVersions(ids) : new Map<string, number>()
  return cameras.map((camera) => {
    const s = shown.get(camera.id)
    const base = {cameraId: camera.id, cameraName: camera.name, live: s?.live ?? 'never', recorded: s?.recorded ?? 'never', source: s?.source ?? ('default' as const), updatedAt: s?.updatedAt ?? null}
    if (actor.role !== 'owner') return {view: 'agency', ...base} satisfies AgencyPolicyView
    const {policy, complete} = serverPolicy(s, camera.id, ctx.now())
    return {view: 'owner', ...base, ownerId: camera.ownerId, policy: complete ? policy : null, version: policy.version, pendingVersion: pending.get(camera.id) ?? null} satisfies OwnerPolicyView
  })
}

// ── Owner keys ───────────────────────────────────────────────────────────────────────────────────

export async function listOwnerKeys(ctx: ServiceContext, actor: Actor): Promise<OwnerPublicKey[]> {
  const ownerId = await actingOwnerId(ctx, actor)
  return ctx.audited(() => ctx.store.policies.ownerKeys(ownerId))
}

/** Registers the owner's first key; the same key again is a no-op (`created: false`); another key is refused. */
export async function registerOwnerKey(ctx: ServiceContext, actor: Actor, input: {publicKey: string}): Promise<{key: OwnerPublicKey; created: boolean}> {
  const ownerId = await actingOwnerId(ctx, actor)
  const key = {ownerId, keyId: ownerKeyId(input.publicKey), publicKey: input.publicKey}
  const existing = await ctx.store.policies.ownerKeys(ownerId)
  if (existing.some((k) => k.keyId === key.keyId)) return {key: await ctx.audited(() => key, {target: key.keyId}), created: false}
  // A second key would let whoever holds it speak for the owner; Cores pin the first one.
  if (existing.length) throw conflict(`you already registered owner key ${existing[0]!.keyId}; it cannot be replaced through the server: copy its key file (owner-keys/ in your rtcc config folder) from the computer that made it`)
  const stored = await ctx.audited(
    async () => {
      // Again inside the transaction: another registration may have come in since the check above.
      const now = await ctx.store.policies.ownerKeys(ownerId)
      if (now.length) throw conflict(`you already registered owner key ${now[0]!.keyId}; it cannot be replaced through the server`)
      await ctx.store.policies.insertOwnerKey(key, ctx.now().toISOString())
      return key
    },
    {target: key.keyId},
  )
  return {key: stored, created: true}
}

// ── Reading policies ─────────────────────────────────────────────────────────────────────────────

export async function listPolicies(ctx: ServiceContext, actor: Actor, input: {limit: number}): Promise<PolicyView[]> {
  const scope = await cameraScope(ctx, actor)
  // Agencies see the cameras a Core shares from (live-capable); owners all of theirs.
  const cameras = await ctx.store.cameras.listCameras(scope, {limit: input.limit, liveCapable: scope.kind === 'owner' ? undefined : true})
  return ctx.audited(() => policyViews(ctx, actor, cameras), (list) => ({detail: {rows: list.length}}))
}

export async function showPolicy(ctx: ServiceContext, actor: Actor, input: {cameraId: string}): Promise<PolicyView> {
  const camera = await visibleCamera(ctx, actor, input.cameraId)
  return ctx.audited(async () => (await policyViews(ctx, actor, [camera]))[0]!, {target: camera.id})
}

/** The requester a decision is explained for: the caller, a role, or a user (whose role, id and agency then count). */
async function requesterFor(ctx: ServiceContext, actor: Actor, as: string | undefined): Promise<DecisionExplanation['context']['requester']> {
  if (!as) return {role: actor.role, userId: actor.user.id, agencyId: actor.user.agency_id ?? null, name: actor.user.username}
  if ((ROLES as readonly string[]).includes(as)) return {role: as as Role}
  const user = await ctx.store.users.findUserByName(as)
  if (!user) throw badRequest(`--as ${as}: no such role or user (roles: ${ROLES.join(', ')})`, 'as')
  return {role: user.role, userId: user.id, agencyId: user.agency_id ?? null, name: user.username}
}

/** Would the server's copy of the policy let this requester see the camera, and why. */
export async function explainPolicy(ctx: ServiceContext, actor: Actor, input: {cameraId: string; kind: VideoKind; at?: string; as?: string}): Promise<DecisionExplanation> {
  const camera = await visibleCamera(ctx, actor, input.cameraId)
  const at = input.at ? new Date(input.at) : ctx.now()
  const shown = (await ctx.store.policies.shownPolicies([camera.id])).get(camera.id)
  const {policy} = serverPolicy(shown, camera.id, at)
  const requester = await requesterFor(ctx, actor, input.as)
  const {panic, approvals} = await ownerGrants(ctx, camera, at)
  const context = {kind: input.kind, at, requester, panic, approvals: approvals ?? []}
  const owner = actor.role === 'owner'
  const {decision, steps} = explainDecision(policy, context, {detail: owner})
  return ctx.audited(
    (): DecisionExplanation => ({cameraId: camera.id, cameraName: camera.name, policy: owner ? policy : null, source: shown?.source ?? 'default', context: {...context, at: at.toISOString()}, decision, steps}),
    {target: camera.id, detail: {kind: input.kind, at: at.toISOString(), as: input.as ?? null, allow: decision.allow}},
  )
}

// ── Changing policies: the owner's signed document, and nothing else ──────────────────────────────

const NOT_YOURS = "a camera's sharing policy is its owner's alone: it changes only by the owner's signed document, never through the server"

const cameraIdIn = (body: unknown): string | undefined => {
  try {
    const id = (JSON.parse((body as {document: {payload: string}}).document.payload) as {cameraId?: unknown}).cameraId
    return typeof id === 'string' ? id.slice(0, 100) : undefined
  } catch {
    return undefined
  }
}

/**
 * Stores an owner's signed policy document for the Core and shows its policy. Any role may call it,
 * so that a refusal is audited with the camera it aimed at.
 */
export async function uploadPolicy(ctx: ServiceContext, actor: Actor, body: unknown): Promise<OwnerPolicyView> {
  const target = cameraIdIn(body)
  ctx.note({target})
  if (actor.role !== 'owner') throw forbidden(NOT_YOURS)
  const parsed = UploadPolicyBody.safeParse(body)
  if (!parsed.success) throw badRequest(`body field "${parsed.error.issues[0]!.path.join('.')}": ${parsed.error.issues[0]!.message}`)
  const ownerId = await actingOwnerId(ctx, actor)
  const keys = await registeredKeys(ctx, ownerId)
  const document = parsed.data.document
  const camera = await visibleCamera(ctx, actor, target ?? '')
  const now = ctx.now().toISOString()
  let policy: CameraPolicy | undefined
  const view = await ctx.audited(
    async () => {
      // Checked inside the transaction, so two uploads cannot both pass as "newer".
      const current = (await ctx.store.policies.shownPolicies([camera.id])).get(camera.id)
      try {
        policy = verifyPolicyDocument(document, keys, {ownerId, cameraId: camera.id, current})
      } catch (error) {
        statementRefused(error)
      }
      await ctx.store.policies.insertPolicyDocument({ownerId, policy, document, now})
      return (await policyViews(ctx, actor, [camera]))[0] as OwnerPolicyView
    },
    () => ({target: camera.id, detail: {version: policy!.version, live: policy!.live.mode, recorded: policy!.recorded.mode, keyId: document.keyId}}),
  )
  ctx.events.publish({type: 'policy.updated', ownerId, data: {cameraId: camera.id, cameraName: camera.name, live: view.live, recorded: view.recorded, version: view.version}})
  return view
}

/** Every other way to change a camera's policy (any role, any camera): refused, audited with the camera as target. */
export function refusePolicyChange(ctx: ServiceContext, _actor: Actor, input: {cameraId: string; method: string}): never {
  ctx.note({target: input.cameraId, detail: {method: input.method, refused: 'the server cannot change policies'}})
  throw forbidden(NOT_YOURS)
}
