/** Live video (open, list, leave, watch, snapshot): HTTP over services/streams. */
import type {FastifyRequest} from 'fastify'
import {z} from 'zod'

import {OpenStreamBody, STREAM_LISTERS, STREAM_VIEWERS} from '../../domain/stream.js'
import * as streams from '../../services/streams.js'
import type {ServerContext} from '../context.js'
import {defineRoute} from '../route.js'

const VIEWERS = [...STREAM_VIEWERS]

/** The address the viewer reached, for the watch URL. */
const baseUrl = (ctx: ServerContext, req: FastifyRequest) => (req.headers.host ? `https://${req.headers.host}` : ctx.url)

export const streamRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/streams',
    action: 'stream.view',
    roles: VIEWERS,
    body: OpenStreamBody,
    handler: async ({ctx, actor, body, req, reply}) => {
      const grant = await streams.openStream(ctx, actor, {cameraId: body.cameraId, kind: body.kind, urlSeconds: body.urlSeconds, baseUrl: baseUrl(ctx, req)})
      reply.code(201)
      return grant
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/streams',
    action: 'stream.list',
    roles: [...STREAM_LISTERS],
    handler: ({ctx, actor}) => streams.listStreams(ctx, actor),
  }),

  defineRoute({
    method: 'DELETE',
    url: '/v1/streams/:streamId/views/:viewId',
    action: 'stream.leave',
    roles: VIEWERS,
    handler: ({ctx, actor, params}) => streams.leaveStream(ctx, actor, {streamId: params.streamId!, viewId: params.viewId!}),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/streams/watch/:token',
    action: 'stream.watch',
    roles: 'public',
    rateLimit: {max: 120, windowSeconds: 60},
    handler: async ({ctx, params, reply}) => {
      const relay = await streams.watchStream(ctx, {token: params.token!})
      reply.hijack()
      reply.raw.writeHead(200, {'content-type': 'video/mp4', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff'})
      relay(reply.raw)
      return undefined
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/streams/:cameraId/snapshot',
    action: 'stream.view',
    roles: VIEWERS,
    query: z.object({kind: z.enum(['live', 'recorded']).default('live')}),
    handler: async ({ctx, actor, params, query, req, reply}) => {
      const jpeg = await streams.snapshot(ctx, actor, {cameraId: params.cameraId!, kind: query.kind, baseUrl: baseUrl(ctx, req)})
      reply.header('content-type', 'image/jpeg').header('cache-control', 'no-store')
      return reply.send(jpeg)
    },
  }),
]
