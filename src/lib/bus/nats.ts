/**
 * The event hub on NATS JetStream, for several server instances behind one address (`--bus nats://…`).
 * Every instance publishes its events to one stream and follows that stream from its own start, so each
 * delivers every instance's events to its own SSE subscribers, in the stream's one order. An event's id
 * is its stream sequence: `Last-Event-ID` means the same thing on every instance, and replay reads the
 * stream, not the instance's memory or database.
 *
 * The deployment's stream is named by `?stream=` in the bus URL (default RTCC_EVENTS); its subjects
 * live under that name too (`<stream>.events`, `<stream>.core.…`), so deployments (and test runs)
 * sharing one NATS server never see each other.
 */
import {connect, DeliverPolicy, DiscardPolicy, type JetStreamClient, type JetStreamManager, type NatsConnection, RetentionPolicy, StorageType} from 'nats'

import type {RtccEvent} from '../domain/events.js'
import {ExitCode, RtccError} from '../errors.js'
import {OrderedHub, REPLAY_BUFFER, stderrLine} from '../server/events/hub.js'

export interface BusAddress {
  servers: string
  stream: string
}

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/

/** `nats://host:port[,host:port…][?stream=NAME]`, checked with an error that names what is wrong. */
export function parseBusUrl(text: string): BusAddress {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new RtccError(`--bus: ${JSON.stringify(text)} is not a URL`, {code: 'invalid_bus_url', exitCode: ExitCode.usage, hint: 'Expected nats://host:4222 or nats://host:4222?stream=NAME'})
  }
  if (url.protocol !== 'nats:' && url.protocol !== 'tls:') throw new RtccError(`--bus: ${url.protocol} is not supported, only nats:// (or tls://)`, {code: 'invalid_bus_url', exitCode: ExitCode.usage})
  const stream = url.searchParams.get('stream') ?? 'RTCC_EVENTS'
  if (!STREAM_NAME.test(stream)) throw new RtccError(`--bus: stream ${JSON.stringify(stream)} must be 1-64 letters, digits, _ or -`, {code: 'invalid_bus_url', exitCode: ExitCode.usage})
  url.search = ''
  return {servers: url.toString().replace(/\/$/, ''), stream}
}

/** The deployment's NATS connection and the names every instance derives from it. */
export class Bus {
  private constructor(
    readonly nc: NatsConnection,
    readonly stream: string,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {}

  static async connect(address: BusAddress): Promise<Bus> {
    let nc: NatsConnection
    try {
      nc = await connect({servers: address.servers, name: 'rtcc server', maxReconnectAttempts: -1, reconnectTimeWait: 500})
    } catch (error) {
      throw new RtccError(`--bus: cannot reach NATS at ${address.servers}: ${(error as Error).message}`, {code: 'bus_unreachable'})
    }
    const jsm = await nc.jetstreamManager()
    const bus = new Bus(nc, address.stream, nc.jetstream(), jsm)
    await bus.ensureStream()
    return bus
  }

  get eventSubject(): string {
    return `${this.stream}.events`
  }

  /** A NATS core subject of this deployment (request/reply between instances). */
  subject(...parts: string[]): string {
    return [this.stream, ...parts].join('.')
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined)
  }

  /** Creates the stream on first use; several instances starting together agree on one. */
  private async ensureStream(): Promise<void> {
    const config = {name: this.stream, subjects: [this.eventSubject], retention: RetentionPolicy.Limits, storage: StorageType.File, max_msgs: REPLAY_BUFFER, discard: DiscardPolicy.Old}
    try {
      await this.jsm.streams.info(this.stream)
    } catch {
      await this.jsm.streams.add(config).catch(async (error: Error) => {
        // Another instance created it between our look and our add.
        await this.jsm.streams.info(this.stream).catch(() => Promise.reject(error))
      })
    }
  }
}

export class NatsEventHub extends OrderedHub {
  private following?: {stop(): void; done: Promise<void>}

  constructor(
    private readonly bus: Bus,
    now: () => Date = () => new Date(),
    log: (line: string) => void = stderrLine,
  ) {
    super(now, log)
  }

  /** Follows the stream from its current end: from now on every instance's events reach this one's subscribers. */
  async start(): Promise<void> {
    const {state} = await this.bus.jsm.streams.info(this.bus.stream)
    const consumer = await this.bus.js.consumers.get(this.bus.stream, {deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: state.last_seq + 1})
    const messages = await consumer.consume()
    const done = (async () => {
      for await (const message of messages) this.deliver({...(message.json() as Omit<RtccEvent, 'id'>), id: message.seq})
    })()
    this.following = {stop: () => void messages.close(), done}
  }

  /** Delivery happens when the event comes back from the stream, on every instance alike. */
  protected async store(event: Omit<RtccEvent, 'id'>): Promise<RtccEvent> {
    const ack = await this.bus.js.publish(this.bus.eventSubject, JSON.stringify(event))
    return {id: ack.seq, ...event}
  }

  async replay(afterId: number, limit = REPLAY_BUFFER): Promise<RtccEvent[]> {
    const {state} = await this.bus.jsm.streams.info(this.bus.stream)
    const last = Math.min(state.last_seq, afterId + limit)
    // A client ahead of the stream (or at its end) has missed nothing; one behind its start gets what is kept.
    if (afterId >= last || state.messages === 0) return []
    const consumer = await this.bus.js.consumers.get(this.bus.stream, {deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(afterId + 1, state.first_seq)})
    const missed: RtccEvent[] = []
    const messages = await consumer.consume()
    try {
      for await (const message of messages) {
        missed.push({...(message.json() as Omit<RtccEvent, 'id'>), id: message.seq})
        if (message.seq >= last) break
      }
    } finally {
      await messages.close()
    }
    return missed
  }

  /** Stops following the stream (after drain, before the bus closes). */
  async stop(): Promise<void> {
    this.following?.stop()
    await this.following?.done.catch(() => undefined)
  }
}
