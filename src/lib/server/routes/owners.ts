/**
 * Owner self-service: sign up (a password-protected profile), see and edit it, delete it for good, and
 * manage one's own cameras. Owners only ever reach their own rows.
 */
import {z} from 'zod'

import {Username} from '../../domain/auth.js'
import {CameraFields, CameraPatch, OwnerInput, OwnerPatch} from '../../domain/camera.js'
import * as cameras from '../../store/cameras.js'
import * as owners from '../../store/owners.js'
import * as users from '../../store/users.js'
import type {Actor, ServerContext} from '../context.js'
import {badRequest, conflict, notFound} from '../http-error.js'
import {hashPassword, passwordProblem} from '../passwords.js'
import {defineRoute} from '../route.js'

export const SignupBody = z.object({username: Username, password: z.string().max(1024), profile: OwnerInput})

function myProfile(ctx: ServerContext, actor: Actor) {
  const owner = owners.ownerForUser(ctx.db, actor.user.id)
  if (!owner) throw notFound('your owner profile')
  return owner
}

function myCamera(ctx: ServerContext, actor: Actor, id: string) {
  const camera = cameras.getCamera(ctx.db, {kind: 'owner', ownerId: myProfile(ctx, actor).id}, id)
  if (!camera) throw notFound(`camera ${id}`)
  return camera
}

const OWNER = ['owner' as const]

export const ownerRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/owners/signup',
    action: 'owner.signup',
    roles: 'public',
    rateLimit: {max: 20, windowSeconds: 3600},
    body: SignupBody,
    handler: async ({ctx, body, req, reply, tx}) => {
      req.rtcc.subject = {id: null, name: body.username, role: 'owner'}
      const problem = await passwordProblem(body.password, {username: body.username, ...body.profile})
      if (problem) throw badRequest(problem, 'password')
      if (users.findUserByName(ctx.db, body.username)) throw conflict(`user name "${body.username}" is taken`, 'username')
      const passwordHash = await hashPassword(body.password)
      reply.code(201)
      return tx(() => {
        const user = users.insertUser(ctx.db, {username: body.username, role: 'owner', passwordHash, displayName: body.profile.displayName})
        req.rtcc.subject = {id: user.id, name: user.username, role: 'owner'}
        req.rtcc.target = user.id
        return {user: users.toUserView(user), owner: owners.insertOwner(ctx.db, body.profile, {id: user.id, userId: user.id, verified: false})}
      })
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/owners/me',
    action: 'owner.read',
    roles: OWNER,
    handler: ({ctx, actor, tx}) => tx(() => myProfile(ctx, actor), {target: actor.user.id}),
  }),

  defineRoute({
    method: 'PATCH',
    url: '/v1/owners/me',
    action: 'owner.update',
    roles: OWNER,
    body: OwnerPatch,
    handler: ({ctx, actor, body, tx}) => {
      const owner = myProfile(ctx, actor)
      return tx(() => owners.updateOwner(ctx.db, owner.id, body), {target: owner.id, detail: {fields: Object.keys(body)}})
    },
  }),

  defineRoute({
    method: 'DELETE',
    url: '/v1/owners/me',
    action: 'owner.delete',
    roles: OWNER,
    handler: ({ctx, actor, tx}) => {
      const owner = myProfile(ctx, actor)
      // For good: the deleted rows are overwritten rather than left in free pages, and the WAL's older
      // copies of those pages are checkpointed away. The audit log keeps that it happened (ids and
      // counts), not the personal data.
      const secureDelete = ctx.db.pragma('secure_delete', {simple: true})
      ctx.db.pragma('secure_delete = ON')
      try {
        return tx(() => {
          const removed = cameras.registryStats(ctx.db, {kind: 'owner', ownerId: owner.id}).cameras
          owners.deleteOwner(ctx.db, owner.id)
          users.deleteUser(ctx.db, actor.user.id)
          return {deleted: true, ownerId: owner.id, camerasDeleted: removed}
        }, {target: owner.id})
      } finally {
        ctx.db.pragma(`secure_delete = ${secureDelete ? 'ON' : 'OFF'}`)
        ctx.db.pragma('wal_checkpoint(TRUNCATE)')
      }
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/cameras',
    action: 'camera.list',
    roles: OWNER,
    handler: ({ctx, actor, tx}) => {
      const scope = {kind: 'owner' as const, ownerId: myProfile(ctx, actor).id}
      return tx(() => cameras.listCameras(ctx.db, scope, {limit: 10_000}))
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/cameras',
    action: 'camera.create',
    roles: OWNER,
    body: CameraFields,
    handler: ({ctx, actor, body, req, tx, reply}) => {
      const owner = myProfile(ctx, actor)
      reply.code(201)
      return tx(() => {
        const camera = cameras.insertOwnerCamera(ctx.db, owner.id, body)
        req.rtcc.target = camera.id
        return camera
      })
    },
  }),

  defineRoute({
    method: 'PATCH',
    url: '/v1/cameras/:id',
    action: 'camera.update',
    roles: OWNER,
    body: CameraPatch,
    handler: ({ctx, actor, body, params, tx}) => {
      const camera = myCamera(ctx, actor, params.id!)
      return tx(() => cameras.updateCamera(ctx.db, camera.id, body), {target: camera.id, detail: {fields: Object.keys(body)}})
    },
  }),

  defineRoute({
    method: 'DELETE',
    url: '/v1/cameras/:id',
    action: 'camera.delete',
    roles: OWNER,
    handler: ({ctx, actor, params, tx}) => {
      const camera = myCamera(ctx, actor, params.id!)
      return tx(() => {
        cameras.deleteCamera(ctx.db, camera.id)
        return {deleted: true, id: camera.id}
      }, {target: camera.id})
    },
  }),
]
