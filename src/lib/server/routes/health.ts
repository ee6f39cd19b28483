import {defineRoute} from '../route.js'

/** Unauthenticated health check: status and version, nothing else. */
export const healthRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/health',
    action: 'health.read',
    roles: 'public',
    rateLimit: {max: 300, windowSeconds: 60},
    handler: ({ctx}) => ({status: 'ok', version: ctx.version}),
  }),
]
