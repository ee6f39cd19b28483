/**
 * The event hub: publish once, deliver to every live subscriber, and replay recent events to a client
 * that reconnects with Last-Event-ID. An interface so a shared bus (LISTEN/NOTIFY, Redis) can replace
 * the in-process implementation when several servers sit behind one address.
 */
import {AsyncLocalStorage} from 'node:async_hooks'

import type {PublishInput, RtccEvent} from '../../domain/events.js'
import type {Store} from '../../store/store.js'

export type Listener = (event: RtccEvent) => void

export interface EventHub {
  /**
   * Stores the event (which numbers it), then delivers it to every subscriber. Call after the change it
   * announces has committed. Events are stored and delivered in the order publish() was called. The
   * promise rejects when the event could not be stored; the failure is logged either way, so a caller
   * with nothing to do about it need not wait.
   */
  publish(input: PublishInput): Promise<RtccEvent>
  subscribe(listener: Listener): () => void
  /** Stored events after `afterId`, oldest first. */
  replay(afterId: number, limit?: number): Promise<RtccEvent[]>
  subscriberCount(): number
  /** Resolves once every event published so far is stored and delivered (or failed): before the store closes. */
  drain(): Promise<void>
}

export const REPLAY_BUFFER = 10_000

export class InProcessEventHub implements EventHub {
  private readonly listeners = new Set<Listener>()
  private tail: Promise<unknown> = Promise.resolve()
  /**
   * Runs work in the async context the hub was made in (the server's, outside any store transaction):
   * an event published from inside a transaction is stored after it, never as part of it.
   */
  private readonly detached = AsyncLocalStorage.snapshot()

  constructor(
    private readonly store: Pick<Store, 'events'>,
    private readonly now: () => Date = () => new Date(),
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  publish(input: PublishInput): Promise<RtccEvent> {
    const event = {type: input.type, time: this.now().toISOString(), severity: input.severity ?? 'info', ownerId: input.ownerId ?? null, data: input.data}
    const delivered = this.tail.then(() =>
      this.detached(async () => {
        const stored = await this.store.events.insertEvent(event, REPLAY_BUFFER)
        for (const listener of this.listeners) {
          try {
            listener(stored)
          } catch (error) {
            this.log(`rtcc server: a subscriber failed on event ${stored.id} (${stored.type}): ${(error as Error).stack ?? error}`)
          }
        }
        return stored
      }),
    )
    this.tail = delivered.catch((error: Error) => this.log(`rtcc server: event ${event.type} was not published: ${error.message}`))
    return delivered
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  replay(afterId: number, limit = REPLAY_BUFFER): Promise<RtccEvent[]> {
    return this.detached(() => this.store.events.eventsAfter(afterId, limit))
  }

  subscriberCount(): number {
    return this.listeners.size
  }

  async drain(): Promise<void> {
    let tail
    do await (tail = this.tail)
    while (tail !== this.tail)
  }
}
