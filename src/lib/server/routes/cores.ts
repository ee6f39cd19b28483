/** Cores (enrolment codes, enrolment, listing, Core-signed camera additions): HTTP over services/cores. */
import {AddCoreCameraBody, EnrollBody, EnrollCodeBody} from '../../domain/core.js'
import {ADMINS, READ_REGISTRY} from '../../domain/roles.js'
import * as cores from '../../services/cores.js'
import {defineRoute} from '../route.js'

export const coreRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/cores/enroll-codes',
    action: 'core.enroll_code',
    roles: ADMINS,
    body: EnrollCodeBody,
    handler: async ({ctx, actor, body, reply}) => {
      const code = await cores.createEnrollCode(ctx, actor, body)
      reply.code(201)
      return code
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/cores/enroll/owner-key',
    action: 'core.enroll_check',
    roles: 'public',
    // An enrolment step like the one it precedes: the same limit (app.ts refuses a public route without one).
    rateLimit: {max: 20, windowSeconds: 60},
    body: EnrollBody.pick({code: true}),
    handler: ({ctx, body}) => cores.checkEnrollOwnerKey(ctx, body),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/cores/enroll',
    action: 'core.enroll',
    roles: 'public',
    rateLimit: {max: 20, windowSeconds: 60},
    body: EnrollBody,
    handler: async ({ctx, body, reply}) => {
      const result = await cores.enrollCore(ctx, body)
      reply.code(201)
      return result
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/cores',
    action: 'core.list',
    roles: [...READ_REGISTRY, 'owner'],
    handler: ({ctx, actor}) => cores.listCores(ctx, actor),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/cores/:id/cameras',
    action: 'core.camera_add',
    roles: 'public',
    rateLimit: {max: 60, windowSeconds: 60},
    body: AddCoreCameraBody,
    handler: async ({ctx, body, params, req, reply}) => {
      const camera = await cores.addCoreCamera(ctx, {method: req.method, url: req.url, headers: req.headers, body: req.body}, {coreId: params.id!, camera: body})
      reply.code(201)
      return camera
    },
  }),
]
