/**
 * `GET /v1/events`: Server-Sent Events. Replays what the client missed (Last-Event-ID header or
 * `?lastEventId=`) from the bounded buffer, then streams live events; `?types=a,b` filters by type
 * (a trailing `.*` matches a family, e.g. `panic.*`). Each subscriber receives only the events its scope
 * allows (events/visibility.ts), live and replayed alike.
 */
import {z} from 'zod'

import type {RtccEvent} from '../../domain/events.js'
import {ANY_ROLE} from '../../domain/roles.js'
import {eventVisibility} from '../events/visibility.js'
import {defineRoute} from '../route.js'

export const HEARTBEAT_MS = 15_000

export function typeFilter(types: string | undefined): (type: string) => boolean {
  const wanted = (types ?? '').split(',').map((t) => t.trim()).filter(Boolean)
  if (wanted.length === 0) return () => true
  return (type) => wanted.some((w) => (w.endsWith('.*') ? type.startsWith(w.slice(0, -1)) : type === w))
}

export const formatSse = (event: RtccEvent): string => `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`

export const eventRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/events',
    action: 'events.subscribe',
    roles: ANY_ROLE,
    query: z.object({types: z.string().max(1000).optional(), lastEventId: z.coerce.number().int().min(0).optional()}),
    handler: ({ctx, actor, query, req, reply, tx}) => {
      const header = req.headers['last-event-id']
      const lastId = header !== undefined && /^\d+$/.test(String(header)) ? Number(header) : query.lastEventId
      const matches = typeFilter(query.types)
      const inScope = eventVisibility(ctx, actor)
      const visible = (e: RtccEvent) => matches(e.type) && inScope(e)
      tx(() => undefined, {detail: {types: query.types ?? null, lastEventId: lastId ?? null}})

      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no'})
      res.write(': rtcc events\nretry: 2000\n\n')
      // Replay and subscribe in the same synchronous turn: publish() is synchronous too, so no event can
      // fall between the two, and none is sent twice.
      if (lastId !== undefined) for (const event of ctx.events.replay(lastId)) if (visible(event)) res.write(formatSse(event))
      const unsubscribe = ctx.events.subscribe((event) => {
        // A shutting-down server ends the stream before its last events (Cores going offline) are published.
        if (visible(event) && !res.writableEnded) res.write(formatSse(event))
      })
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS)
      ctx.openStreams.add(res)
      req.raw.on('close', () => {
        clearInterval(heartbeat)
        unsubscribe()
        ctx.openStreams.delete(res)
      })
      return undefined
    },
  }),
]
