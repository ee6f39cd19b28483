/** The owner's panic button: HTTP over services/panic. */
import {PanicStatementBody} from '../../domain/panic.js'
import {READ_REGISTRY} from '../../domain/roles.js'
import * as panics from '../../services/panic.js'
import {defineRoute} from '../route.js'

export const panicRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/panic',
    action: 'panic.trigger',
    roles: ['owner'],
    allowDevice: true,
    body: PanicStatementBody,
    handler: async ({ctx, actor, body, reply}) => {
      const view = await panics.triggerPanic(ctx, actor, body)
      reply.code(201)
      return view
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/panic/clear',
    action: 'panic.clear',
    roles: ['owner'],
    allowDevice: true,
    body: PanicStatementBody,
    handler: ({ctx, actor, body}) => panics.clearPanic(ctx, actor, body),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/panic',
    action: 'panic.list',
    roles: [...READ_REGISTRY, 'owner'],
    allowDevice: true,
    handler: ({ctx, actor}) => panics.listPanics(ctx, actor),
  }),
]
