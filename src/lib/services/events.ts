/**
 * Following the server's events: what a subscriber missed (after its last event id) from the
 * persisted buffer, then live events, filtered by type and by what the subscriber's scope may see
 * (server/events/visibility.ts), in id order with none twice.
 */
import type {RtccEvent} from '../domain/events.js'
import {eventVisibility} from '../server/events/visibility.js'
import type {Actor, ServiceContext} from './context.js'

/** `a,b` and families (`panic.*`); empty means every type. */
export function typeFilter(types: string | undefined): (type: string) => boolean {
  const wanted = (types ?? '').split(',').map((t) => t.trim()).filter(Boolean)
  if (wanted.length === 0) return () => true
  return (type) => wanted.some((w) => (w.endsWith('.*') ? type.startsWith(w.slice(0, -1)) : type === w))
}

export interface EventFeed {
  /**
   * Subscribes and replays: `send` gets the missed events, then live ones, in order. Returns the
   * unsubscribe function. Call once the transport is ready to write.
   */
  start(send: (event: RtccEvent) => void): () => void
}

/** Checks and records the subscription (`events.subscribe`); the feed starts when the caller is ready. */
export async function followEvents(ctx: ServiceContext, actor: Actor, input: {types?: string; lastEventId?: number}): Promise<EventFeed> {
  const matches = typeFilter(input.types)
  const inScope = await eventVisibility(ctx, actor)
  await ctx.audited(() => undefined, {detail: {types: input.types ?? null, lastEventId: input.lastEventId ?? null}})
  return {
    start: (send) => {
      let stopped = false
      // Replay and live events go through one chain, so each is sent in id order; an event both
      // replayed and heard live (published while the replay was read) is sent once. Live events are
      // sent whatever the client's last id (a client ahead of this server's buffer still hears them).
      let lastSent = 0
      const deliver = async (event: RtccEvent) => {
        if (stopped || event.id <= lastSent) return
        lastSent = event.id
        if (matches(event.type) && (await inScope(event)) && !stopped) send(event)
      }
      let chain: Promise<void> =
        input.lastEventId === undefined
          ? Promise.resolve()
          : ctx.events.replay(input.lastEventId).then(async (missed) => {
              for (const event of missed) await deliver(event)
            })
      chain = chain.catch(() => undefined)
      const unsubscribe = ctx.events.subscribe((event) => {
        chain = chain.then(() => deliver(event)).catch(() => undefined)
      })
      return () => {
        stopped = true
        unsubscribe()
      }
    },
  }
}
