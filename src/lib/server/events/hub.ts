/**
 * The event hub: publish once, deliver to every live subscriber, and replay recent events to a client
 * that reconnects with Last-Event-ID. In-process here (one server, events in its store); several
 * servers behind one address share NATS JetStream instead (bus/nats.ts).
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

/**
 * What every hub shares: this instance's subscribers, and one chain through which events are published
 * (and so numbered) in the order publish() was called.
 */
export abstract class OrderedHub implements EventHub {
  private readonly listeners = new Set<Listener>()
  private tail: Promise<unknown> = Promise.resolve()
  /**
   * Runs work in the async context the hub was made in (the server's, outside any store transaction):
   * an event published from inside a transaction is stored after it, never as part of it.
   */
  protected readonly detached = AsyncLocalStorage.snapshot()

  constructor(
    protected readonly now: () => Date,
    protected readonly log: (line: string) => void,
  ) {}

  /** Stores (numbers) the event; the hub delivers it to subscribers, here or once it comes back from the bus. */
  protected abstract store(event: Omit<RtccEvent, 'id'>): Promise<RtccEvent>
  abstract replay(afterId: number, limit?: number): Promise<RtccEvent[]>

  publish(input: PublishInput): Promise<RtccEvent> {
    const event = {type: input.type, time: this.now().toISOString(), severity: input.severity ?? 'info', ownerId: input.ownerId ?? null, data: input.data}
    const stored = this.tail.then(() => this.detached(() => this.store(event)))
    this.tail = stored.catch((error: Error) => this.log(`rtcc server: event ${event.type} was not published: ${error.message}`))
    return stored
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  subscriberCount(): number {
    return this.listeners.size
  }

  async drain(): Promise<void> {
    let tail
    do await (tail = this.tail)
    while (tail !== this.tail)
  }

  protected deliver(event: RtccEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        this.log(`rtcc server: a subscriber failed on event ${event.id} (${event.type}): ${(error as Error).stack ?? error}`)
      }
    }
  }
}

export const stderrLine = (line: string) => process.stderr.write(`${line}\n`)

export class InProcessEventHub extends OrderedHub {
  constructor(
    private readonly db: Pick<Store, 'events'>,
    now: () => Date = () => new Date(),
    log: (line: string) => void = stderrLine,
  ) {
    super(now, log)
  }

  protected async store(event: Omit<RtccEvent, 'id'>): Promise<RtccEvent> {
    const stored = await this.db.events.insertEvent(event, REPLAY_BUFFER)
    this.deliver(stored)
    return stored
  }

  replay(afterId: number, limit = REPLAY_BUFFER): Promise<RtccEvent[]> {
    return this.detached(() => this.db.events.eventsAfter(afterId, limit))
  }
}

