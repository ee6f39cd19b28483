/**
 * Requests for a Core linked to another instance of the deployment. The instance holding a Core's link
 * answers NATS requests on `<stream>.core.<coreId>.open` while the link lasts (the subscription is the
 * shared presence: "no responders" means the Core is linked nowhere). It opens the view exactly as for
 * a local viewer, the Core deciding, and replies with the grant, whose signed watch URL points at the
 * holding instance itself: the video is relayed once, by the instance the Core sends it to, and the
 * viewer fetches it from there (the URL is signed under the deployment's shared master key). The
 * instance that was asked audits the request, as for any view.
 *
 * Generic over what is asked: `open` is the one kind per Core today (a recording pull would be another
 * subject under the same Core). A viewer leaving is asked of every instance (`<stream>.streams.leave`);
 * only the one relaying that stream answers.
 */
import {ErrorCode, JSONCodec, type NatsError, type Subscription} from 'nats'
import {z} from 'zod'

import {Requester} from '../../domain/core.js'
import {StreamKind} from '../../domain/stream.js'
import type {Bus} from '../../bus/nats.js'
import type {ServerContext} from '../context.js'
import {HttpError} from '../http-error.js'
import type {LinkSession} from './link-session.js'
import type {OpenResult, StreamRegistry} from './streams.js'

const LeaveAsk = z.object({streamId: z.string().max(100), viewId: z.string().max(100)})
/** How long the asking instance waits for the instance relaying a stream to confirm a leave. */
const LEAVE_TIMEOUT_MS = 2000

const OpenAsk = z.object({cameraId: z.string().max(100), kind: StreamKind, requester: Requester, urlSeconds: z.number().int().min(1).max(86_400), snapshot: z.boolean()})
export type OpenAsk = z.infer<typeof OpenAsk>

/** What the holder answers: the Core's decision (and any policy difference it sees), or an HTTP error to pass on. */
export type OpenReply = {result: OpenResult; warning: string | null} | {error: {status: number; code: string; message: string}}

const codec = JSONCodec<unknown>()

export class CoreRouter {
  private readonly served = new Map<string, Subscription>()
  private readonly leaves: Subscription

  constructor(
    private readonly ctx: ServerContext,
    private readonly bus: Bus,
    private readonly streams: StreamRegistry,
    private readonly policyWarning: (session: LinkSession, cameraId: string) => Promise<string | null>,
  ) {
    this.leaves = bus.nc.subscribe(bus.subject('streams', 'leave'), {
      callback: (error, message) => {
        const ask = error ? undefined : LeaveAsk.safeParse(codec.decode(message.data)).data
        const cameraId = ask && streams.cameraOf(ask.streamId)
        // Instances that do not relay the stream stay silent.
        if (ask && cameraId && streams.leave(ask.streamId, ask.viewId)) message.respond(codec.encode({cameraId}))
      },
    })
  }

  /** This instance now holds the Core's link: answer for it. */
  serve(session: LinkSession): void {
    this.unserve(session.coreId)
    const subscription = this.bus.nc.subscribe(this.bus.subject('core', session.coreId, 'open'), {
      callback: (error, message) => {
        if (error) return
        void this.answer(session, message.data).then((reply) => message.respond(codec.encode(reply)))
      },
    })
    this.served.set(session.coreId, subscription)
  }

  unserve(coreId: string): void {
    this.served.get(coreId)?.unsubscribe()
    this.served.delete(coreId)
  }

  /** Asks the instance holding the Core's link to open a view; undefined when no instance holds it. */
  async open(coreId: string, ask: OpenAsk): Promise<{result: OpenResult; warning: string | null} | undefined> {
    const {decisionTimeoutMs, firstFrameTimeoutMs} = this.streams.timings
    let raw: Uint8Array
    try {
      raw = (await this.bus.nc.request(this.bus.subject('core', coreId, 'open'), codec.encode(ask), {timeout: decisionTimeoutMs + firstFrameTimeoutMs + 2000})).data
    } catch (error) {
      if ((error as NatsError).code === ErrorCode.NoResponders) return undefined
      throw new HttpError(504, 'core_timeout', `the instance holding the Core's link did not answer: ${(error as Error).message}`)
    }
    const reply = codec.decode(raw) as OpenReply
    if ('error' in reply) throw new HttpError(reply.error.status, reply.error.code, reply.error.message)
    return reply
  }

  /** Asks whichever instance relays the stream to end the view; its camera, or undefined when none does. */
  async leave(streamId: string, viewId: string): Promise<string | undefined> {
    try {
      const reply = await this.bus.nc.request(this.bus.subject('streams', 'leave'), codec.encode({streamId, viewId}), {timeout: LEAVE_TIMEOUT_MS})
      return (codec.decode(reply.data) as {cameraId: string}).cameraId
    } catch {
      return undefined
    }
  }

  close(): void {
    this.leaves.unsubscribe()
    for (const coreId of [...this.served.keys()]) this.unserve(coreId)
  }

  private async answer(session: LinkSession, data: Uint8Array): Promise<OpenReply> {
    try {
      const ask = OpenAsk.parse(codec.decode(data))
      const camera = await this.ctx.store.cameras.getCamera({kind: 'all'}, ask.cameraId)
      if (!camera) throw new HttpError(404, 'not_found', `camera ${ask.cameraId} not found`)
      const warning = await this.policyWarning(session, camera.id)
      const result = await this.streams.open({
        camera: {id: camera.id, name: camera.name},
        core: session.core,
        session,
        kind: ask.kind,
        requester: ask.requester,
        urlSeconds: ask.urlSeconds,
        baseUrl: this.ctx.url,
        snapshot: ask.snapshot,
        serverNote: warning ?? undefined,
      })
      if (result.allowed && result.grant.started) this.streams.announce(result.grant.streamId)
      return {result, warning}
    } catch (error) {
      const status = error instanceof HttpError ? error.statusCode : 500
      const code = error instanceof HttpError ? error.code : 'internal'
      return {error: {status, code, message: (error as Error).message}}
    }
  }
}
