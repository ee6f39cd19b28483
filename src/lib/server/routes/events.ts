/**
 * `GET /v1/events`: Server-Sent Events. Replays what the client missed (Last-Event-ID header or
 * `?lastEventId=`) from the bounded buffer, then streams live events; `?types=a,b` filters by type
 * (a trailing `.*` matches a family, e.g. `panic.*`). Each subscriber receives only the events its scope
 * allows (events/visibility.ts), live and replayed alike.
 */
import {z} from 'zod'

import type {RtccEvent} from '../../domain/events.js'
import {ANY_ROLE} from '../../domain/roles.js'
import {followEvents} from '../../services/events.js'
import {defineRoute} from '../route.js'

export const HEARTBEAT_MS = 15_000

export const formatSse = (event: RtccEvent): string => `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`

export const eventRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/events',
    action: 'events.subscribe',
    roles: ANY_ROLE,
    query: z.object({types: z.string().max(1000).optional(), lastEventId: z.coerce.number().int().min(0).optional()}),
    handler: async ({ctx, actor, query, req, reply}) => {
      const header = req.headers['last-event-id']
      const lastEventId = header !== undefined && /^\d+$/.test(String(header)) ? Number(header) : query.lastEventId
      const feed = await followEvents(ctx, actor, {types: query.types, lastEventId})

      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no'})
      res.write(': rtcc events\nretry: 2000\n\n')
      // A shutting-down server ends the stream before its last events (Cores going offline) are published.
      const stop = feed.start((event) => {
        if (!res.writableEnded) res.write(formatSse(event))
      })
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS)
      ctx.openStreams.add(res)
      req.raw.on('close', () => {
        clearInterval(heartbeat)
        stop()
        ctx.openStreams.delete(res)
      })
      return undefined
    },
  }),
]
