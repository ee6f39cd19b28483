/**
 * Cores: an admin issues a single-use enrolment code bound to an owner; a Core being provisioned
 * spends it to enrol its public key and register the owner's cameras it serves; agencies (and the
 * owner) list Cores with their cameras' health; an enrolled Core adds cameras in requests it signs.
 */
import {randomBytes} from 'node:crypto'

import {AddCoreCameraBody, EnrollBody, type EnrollCamera, EnrollCodeBody, type EnrollCodeView, type EnrollOwnerKey, type EnrollResult} from '../../domain/core.js'
import {ADMINS, READ_REGISTRY} from '../../domain/roles.js'
import {normalisePublicKey} from '../../core/identity.js'
import * as cameras from '../../store/cameras.js'
import * as cores from '../../store/cores.js'
import {getOwner} from '../../store/owners.js'
import {ownerKeys, recordCorePolicies} from '../../store/policies.js'
import type {ServerContext} from '../context.js'
import {coreHub} from '../core-link/index.js'
import {verifyCoreRequest} from '../core-link/request-auth.js'
import {badRequest, conflict, HttpError, notFound} from '../http-error.js'
import {defineRoute} from '../route.js'
import {cameraScope} from '../scope.js'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** 16 symbols of 5 bits each (256 is a multiple of 32, so `byte % 32` is uniform): 80 random bits. */
function newEnrollCode(): string {
  return [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('').match(/.{4}/g)!.join('-')
}

/** A Core's camera joins the registry as the owner's own, live-capable camera. */
function registerCoreCamera(ctx: ServerContext, coreId: string, ownerId: string, camera: EnrollCamera): {id: string; name: string} {
  const created = cameras.insertOwnerCamera(ctx.db, ownerId, {
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
  cores.attachCamera(ctx.db, coreId, created.id, camera)
  return {id: created.id, name: created.name}
}

const newestOwnerKey = (ctx: ServerContext, ownerId: string): string | null => ownerKeys(ctx.db, ownerId).at(-1)?.publicKey ?? null

const CODE_PROBLEMS: Record<cores.CodeProblem, string> = {
  unknown: 'this enrolment code is not valid: check it for typos, or ask the admin for a new one',
  used: 'this enrolment code was already used (each code enrols one Core): ask the admin for a new one',
  expired: 'this enrolment code has expired: ask the admin for a new one',
}

export const coreRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/cores/enroll-codes',
    action: 'core.enroll_code',
    roles: ADMINS,
    body: EnrollCodeBody,
    handler: ({ctx, actor, body, reply, tx}) => {
      const owner = getOwner(ctx.db, body.ownerId)
      if (!owner) throw notFound(`owner ${body.ownerId}`)
      const now = ctx.now()
      const expiresAt = new Date(now.getTime() + body.expiresInSeconds * 1000).toISOString()
      const code = newEnrollCode()
      reply.code(201)
      return tx(
        (): EnrollCodeView => {
          cores.insertEnrollCode(ctx.db, code.replace(/-/g, ''), {ownerId: owner.id, createdBy: actor.user.id, expiresAt, now: now.toISOString()})
          return {code, ownerId: owner.id, ownerName: owner.displayName, expiresAt}
        },
        // Never the code itself: only whose it is and how long it lasts.
        {target: owner.id, detail: {expiresAt}},
      )
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/cores/enroll/owner-key',
    rateLimit: {max: 20, windowSeconds: 60},
    action: 'core.enroll_check',
    roles: 'public',
    body: EnrollBody.pick({code: true}),
    // Before the code is spent: the installer checks the owner key the Core would trust with the owner.
    handler: ({ctx, body, req, tx}): EnrollOwnerKey => {
      req.rtcc.subject = {id: null, name: 'core being provisioned', role: 'core'}
      const check = cores.checkEnrollCode(ctx.db, body.code, ctx.now().toISOString())
      if ('problem' in check) {
        req.rtcc.detail = {problem: check.problem}
        throw new HttpError(403, `enroll_code_${check.problem}`, CODE_PROBLEMS[check.problem])
      }
      const owner = getOwner(ctx.db, check.ownerId)!
      return tx(() => ({ownerId: owner.id, ownerName: owner.displayName, ownerPolicyKey: newestOwnerKey(ctx, owner.id)}), {target: owner.id})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/cores/enroll',
    action: 'core.enroll',
    roles: 'public',
    rateLimit: {max: 20, windowSeconds: 60},
    body: EnrollBody,
    handler: ({ctx, body, req, reply, tx}) => {
      req.rtcc.subject = {id: null, name: `core ${body.name}`, role: 'core'}
      const publicKey = normalisePublicKey(body.publicKey)
      if (!publicKey) throw badRequest('publicKey is not an Ed25519 public key (SPKI PEM)', 'publicKey')
      const now = ctx.now().toISOString()
      const check = cores.checkEnrollCode(ctx.db, body.code, now)
      if ('problem' in check) {
        req.rtcc.detail = {problem: check.problem}
        throw new HttpError(403, `enroll_code_${check.problem}`, CODE_PROBLEMS[check.problem])
      }
      const owner = getOwner(ctx.db, check.ownerId)!
      reply.code(201)
      const result = tx(
        (): EnrollResult => {
          const core = cores.insertCore(ctx.db, {ownerId: owner.id, name: body.name, publicKey, version: body.version, now})
          if (!cores.useEnrollCode(ctx.db, body.code, core.id, now)) throw conflict('this enrolment code was used by another Core a moment ago')
          req.rtcc.subject = {id: core.id, name: `core ${core.name}`, role: 'core'}
          req.rtcc.target = core.id
          const registered = body.cameras.map((c) => registerCoreCamera(ctx, core.id, owner.id, c))
          recordCorePolicies(ctx.db, owner.id, registered.map((c, i) => ({cameraId: c.id, liveMode: body.cameras[i]!.liveMode, recordedMode: body.cameras[i]!.recordedMode, version: 1})), now)
          // The Core trusts the owner's newest key from now on; a later key must be set on the Core host.
          return {coreId: core.id, ownerId: owner.id, ownerName: owner.displayName, cameras: registered, ownerPolicyKey: newestOwnerKey(ctx, owner.id)}
        },
        {detail: (r) => ({ownerId: r.ownerId, cameras: r.cameras.map((c) => c.id)})},
      )
      ctx.events.publish({type: 'core.enrolled', ownerId: owner.id, data: {coreId: result.coreId, coreName: body.name, site: body.name, ownerId: owner.id, cameras: result.cameras}})
      return result
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/cores',
    action: 'core.list',
    roles: [...READ_REGISTRY, 'owner'],
    handler: async ({ctx, actor, tx}) => {
      const scope = cameraScope(ctx, actor)
      const visible = scope.kind === 'agency' ? new Set(cameras.listCameras(ctx.db, scope, {liveCapable: true, limit: 100_000}).map((c) => c.id)) : undefined
      const list = cores.listCores(ctx.db, {ownerId: scope.kind === 'owner' ? scope.ownerId : undefined, visibleCamera: visible && ((id) => visible.has(id))})
      // A connected Core's cameras whose policy on the server differs from what the Core enforces say so.
      const hub = coreHub(ctx)
      for (const core of list) {
        const session = hub.session(core.id)
        for (const camera of session ? core.cameras : []) {
          const warning = await hub.policyWarning(session!, camera.id)
          if (warning) camera.policyWarning = warning
        }
      }
      return tx(() => list, {detail: {rows: list.length}})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/cores/:id/cameras',
    action: 'core.camera_add',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    body: AddCoreCameraBody,
    handler: ({ctx, body, params, req, reply, tx}) => {
      const core = verifyCoreRequest(ctx, req, params.id!)
      reply.code(201)
      const camera = tx(
        () => {
          const added = registerCoreCamera(ctx, core.id, core.owner_id, body)
          recordCorePolicies(ctx.db, core.owner_id, [{cameraId: added.id, liveMode: body.liveMode, recordedMode: body.recordedMode, version: 1}], ctx.now().toISOString())
          req.rtcc.target = added.id
          return added
        },
        {detail: {coreId: core.id}},
      )
      ctx.events.publish({type: 'core.camera_added', ownerId: core.owner_id, data: {coreId: core.id, site: core.name, cameraId: camera.id, cameraName: camera.name}})
      return camera
    },
  }),
]
