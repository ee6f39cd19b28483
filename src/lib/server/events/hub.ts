/**
 * The event hub: publish once, deliver to every live subscriber, and replay recent events to a client
 * that reconnects with Last-Event-ID. An interface so a shared bus (LISTEN/NOTIFY, Redis) can replace
 * the in-process implementation when several servers sit behind one address.
 */
import type {PublishInput, RtccEvent} from '../../domain/events.js'
import type {Db} from '../../store/db.js'
import {eventsAfter, insertEvent} from '../../store/events.js'

export type Listener = (event: RtccEvent) => void

export interface EventHub {
  /** Call after the change it announces has committed. */
  publish(input: PublishInput): RtccEvent
  subscribe(listener: Listener): () => void
  replay(afterId: number, limit?: number): RtccEvent[]
  subscriberCount(): number
}

export const REPLAY_BUFFER = 10_000

export class InProcessEventHub implements EventHub {
  private readonly listeners = new Set<Listener>()

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  publish(input: PublishInput): RtccEvent {
    const event = insertEvent(
      this.db,
      {type: input.type, time: this.now().toISOString(), severity: input.severity ?? 'info', ownerId: input.ownerId ?? null, data: input.data},
      REPLAY_BUFFER,
    )
    for (const listener of this.listeners) listener(event)
    return event
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  replay(afterId: number, limit = REPLAY_BUFFER): RtccEvent[] {
    return eventsAfter(this.db, afterId, limit)
  }

  subscriberCount(): number {
    return this.listeners.size
  }
}
