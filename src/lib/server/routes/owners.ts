/** Owner self-service (sign up, own profile, own cameras): HTTP over services/owners. */
import {z} from 'zod'

import {Username} from '../../domain/auth.js'
import {CameraFields, CameraPatch, OwnerInput, OwnerPatch} from '../../domain/camera.js'
import * as owners from '../../services/owners.js'
import {defineRoute} from '../route.js'

export const SignupBody = z.object({username: Username, password: z.string().max(1024), profile: OwnerInput})

const OWNER = ['owner' as const]

export const ownerRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/owners/signup',
    action: 'owner.signup',
    roles: 'public',
    rateLimit: {max: 20, windowSeconds: 3600},
    body: SignupBody,
    handler: async ({ctx, body, reply}) => {
      const created = await owners.signup(ctx, body)
      reply.code(201)
      return created
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/owners/me',
    action: 'owner.read',
    roles: OWNER,
    handler: ({ctx, actor}) => owners.readProfile(ctx, actor),
  }),

  defineRoute({
    method: 'PATCH',
    url: '/v1/owners/me',
    action: 'owner.update',
    roles: OWNER,
    body: OwnerPatch,
    handler: ({ctx, actor, body}) => owners.updateProfile(ctx, actor, body),
  }),

  defineRoute({
    method: 'DELETE',
    url: '/v1/owners/me',
    action: 'owner.delete',
    roles: OWNER,
    handler: ({ctx, actor}) => owners.deleteProfile(ctx, actor),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/cameras',
    action: 'camera.list',
    roles: OWNER,
    handler: ({ctx, actor}) => owners.listMyCameras(ctx, actor),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/cameras',
    action: 'camera.create',
    roles: OWNER,
    body: CameraFields,
    handler: async ({ctx, actor, body, reply}) => {
      const camera = await owners.addCamera(ctx, actor, body)
      reply.code(201)
      return camera
    },
  }),

  defineRoute({
    method: 'PATCH',
    url: '/v1/cameras/:id',
    action: 'camera.update',
    roles: OWNER,
    body: CameraPatch,
    handler: ({ctx, actor, body, params}) => owners.updateCamera(ctx, actor, params.id!, body),
  }),

  defineRoute({
    method: 'DELETE',
    url: '/v1/cameras/:id',
    action: 'camera.delete',
    roles: OWNER,
    handler: ({ctx, actor, params}) => owners.deleteCamera(ctx, actor, params.id!),
  }),
]
