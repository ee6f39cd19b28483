/**
 * Cores: an admin issues a single-use enrolment code bound to an owner; a Core being provisioned
 * checks the owner key it would trust, then spends the code to enrol its public key and register the
 * owner's cameras it serves; agencies (and the owner) list Cores with their cameras' health; an
 * enrolled Core adds cameras in requests it signs.
 */
import {randomBytes} from 'node:crypto'

import type {EnrollBody, EnrollCamera, EnrollCodeView, EnrollOwnerKey, EnrollResult} from '../domain/core.js'
import {normalisePublicKey} from '../core/identity.js'
import type {SharingMode} from '../domain/policy.js'
import {type SignedRequest, verifyCoreRequest} from '../server/core-link/request-auth.js'
import {badRequest, conflict, HttpError, notFound} from '../server/http-error.js'
import {cameraScope} from '../server/scope.js'
import type {CodeProblem} from '../store/cores.js'
import type {Actor, ServiceContext} from './context.js'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** 16 symbols of 5 bits each (256 is a multiple of 32, so `byte % 32` is uniform): 80 random bits. */
function newEnrollCode(): string {
  return [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('').match(/.{4}/g)!.join('-')
}

const CODE_PROBLEMS: Record<CodeProblem, string> = {
  unknown: 'this enrolment code is not valid: check it for typos, or ask the admin for a new one',
  used: 'this enrolment code was already used (each code enrols one Core): ask the admin for a new one',
  expired: 'this enrolment code has expired: ask the admin for a new one',
}

/** The owner an unspent, unexpired code was issued for; else 403 `enroll_code_<problem>`. */
async function codeOwner(ctx: ServiceContext, code: string, now: string) {
  const check = await ctx.store.cores.checkEnrollCode(code, now)
  if ('problem' in check) {
    ctx.note({detail: {problem: check.problem}})
    throw new HttpError(403, `enroll_code_${check.problem}`, CODE_PROBLEMS[check.problem])
  }
  return (await ctx.store.owners.getOwner(check.ownerId))!
}

const newestOwnerKey = async (ctx: ServiceContext, ownerId: string): Promise<string | null> => (await ctx.store.policies.ownerKeys(ownerId)).at(-1)?.publicKey ?? null

/** A Core's camera joins the registry as the owner's own, live-capable camera. */
async function registerCoreCamera(ctx: ServiceContext, coreId: string, ownerId: string, camera: EnrollCamera): Promise<{id: string; name: string}> {
  const created = await ctx.store.cameras.insertOwnerCamera(ownerId, {
    name: camera.name,
    latitude: camera.latitude,
    longitude: camera.longitude,
    address: camera.address,
    locationType: camera.locationType,
    make: camera.make,
    model: camera.model,
    viewDescription: null,
    viewDirection: null,
    fieldOfView: null,
    records: false,
    retentionDays: null,
    liveCapable: true,
    tags: ['core'],
  })
  await ctx.store.cores.attachCamera(coreId, created.id, camera)
  return {id: created.id, name: created.name}
}

/** The modes the owner chose for each new camera, as the server's first copy of its policy (version 1). */
const firstPolicies = (cameras: {id: string}[], modes: {liveMode: SharingMode; recordedMode: SharingMode}[]) =>
  cameras.map((c, i) => ({cameraId: c.id, liveMode: modes[i]!.liveMode, recordedMode: modes[i]!.recordedMode, version: 1}))

export async function createEnrollCode(ctx: ServiceContext, actor: Actor, input: {ownerId: string; expiresInSeconds: number}): Promise<EnrollCodeView> {
  const owner = await ctx.store.owners.getOwner(input.ownerId)
  if (!owner) throw notFound(`owner ${input.ownerId}`)
  const now = ctx.now()
  const expiresAt = new Date(now.getTime() + input.expiresInSeconds * 1000).toISOString()
  const code = newEnrollCode()
  return ctx.audited(
    async () => {
      await ctx.store.cores.insertEnrollCode(code.replace(/-/g, ''), {ownerId: owner.id, createdBy: actor.user.id, expiresAt, now: now.toISOString()})
      return {code, ownerId: owner.id, ownerName: owner.displayName, expiresAt}
    },
    // Never the code itself: only whose it is and how long it lasts.
    {target: owner.id, detail: {expiresAt}},
  )
}

/** Before the code is spent: the installer checks the owner key the Core would trust with the owner. */
export async function checkEnrollOwnerKey(ctx: ServiceContext, input: {code: string}): Promise<EnrollOwnerKey> {
  ctx.note({subject: {id: null, name: 'core being provisioned', role: 'core'}})
  const owner = await codeOwner(ctx, input.code, ctx.now().toISOString())
  return ctx.audited(async () => ({ownerId: owner.id, ownerName: owner.displayName, ownerPolicyKey: await newestOwnerKey(ctx, owner.id)}), {target: owner.id})
}

/** Spends the code: the Core, its cameras in the registry, and the owner's modes as the server's first policy copy. */
export async function enrollCore(ctx: ServiceContext, input: EnrollBody): Promise<EnrollResult> {
  ctx.note({subject: {id: null, name: `core ${input.name}`, role: 'core'}})
  const publicKey = normalisePublicKey(input.publicKey)
  if (!publicKey) throw badRequest('publicKey is not an Ed25519 public key (SPKI PEM)', 'publicKey')
  const now = ctx.now().toISOString()
  const owner = await codeOwner(ctx, input.code, now)
  const result = await ctx.audited(
    async (): Promise<EnrollResult> => {
      const core = await ctx.store.cores.insertCore({ownerId: owner.id, name: input.name, publicKey, version: input.version, now})
      if (!(await ctx.store.cores.useEnrollCode(input.code, core.id, now))) throw conflict('this enrolment code was used by another Core a moment ago')
      const registered: {id: string; name: string}[] = []
      for (const camera of input.cameras) registered.push(await registerCoreCamera(ctx, core.id, owner.id, camera))
      await ctx.store.policies.recordCorePolicies(owner.id, firstPolicies(registered, input.cameras), now)
      // The Core trusts the owner's newest key from now on; a later key must be set on the Core host.
      return {coreId: core.id, ownerId: owner.id, ownerName: owner.displayName, cameras: registered, ownerPolicyKey: await newestOwnerKey(ctx, owner.id)}
    },
    (r) => ({subject: {id: r.coreId, name: `core ${input.name}`, role: 'core'}, target: r.coreId, detail: {ownerId: r.ownerId, cameras: r.cameras.map((c) => c.id)}}),
  )
  await ctx.events.publish({type: 'core.enrolled', ownerId: owner.id, data: {coreId: result.coreId, coreName: input.name, site: input.name, ownerId: owner.id, cameras: result.cameras}})
  return result
}

/** Cores with their cameras' health: the owner's own, an agency's inside its jurisdiction, or all. */
export async function listCores(ctx: ServiceContext, actor: Actor) {
  const scope = await cameraScope(ctx, actor)
  const visible = scope.kind === 'agency' ? new Set((await ctx.store.cameras.listCameras(scope, {liveCapable: true, limit: 100_000})).map((c) => c.id)) : undefined
  const list = await ctx.store.cores.listCores({ownerId: scope.kind === 'owner' ? scope.ownerId : undefined, visibleCamera: visible && ((id) => visible.has(id))})
  // A connected Core's cameras whose policy on the server differs from what the Core enforces say so.
  for (const core of list) {
    const session = ctx.cores.session(core.id)
    for (const camera of session ? core.cameras : []) {
      const warning = await ctx.cores.policyWarning(session!, camera.id)
      if (warning) camera.policyWarning = warning
    }
  }
  return ctx.audited(() => list, {detail: {rows: list.length}})
}

/** `rtcc core camera add`: a camera the Core adds in a request it signs. */
export async function addCoreCamera(ctx: ServiceContext, signed: SignedRequest, input: {coreId: string; camera: EnrollCamera}): Promise<{id: string; name: string}> {
  const core = await verifyCoreRequest(ctx, signed, input.coreId)
  const camera = await ctx.audited(
    async () => {
      const added = await registerCoreCamera(ctx, core.id, core.owner_id, input.camera)
      await ctx.store.policies.recordCorePolicies(core.owner_id, firstPolicies([added], [input.camera]), ctx.now().toISOString())
      return added
    },
    (added) => ({target: added.id, detail: {coreId: core.id}}),
  )
  await ctx.events.publish({type: 'core.camera_added', ownerId: core.owner_id, data: {coreId: core.id, site: core.name, cameraId: camera.id, cameraName: camera.name}})
  return camera
}
