/**
 * The server's end of the Core links: WebSocket upgrades on the server's own TLS 1.3 socket for
 * `/v1/core/link` (one authenticated control link per Core) and `/v1/core/ingest` (one video
 * connection per running stream, opened by the Core with a one-time token). Keeps who is connected,
 * turns their reports into store updates, audit records and dashboard events. The server context
 * holds the one hub (`ctx.cores`); the stream services reach the stream registry through it.
 */
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'
import {setTimeout as sleep} from 'node:timers/promises'

import type {FastifyInstance} from 'fastify'
import {WebSocketServer} from 'ws'

import {type CameraPolicySummary, type CoreToServer, INGEST_PATH, LINK_PATH} from '../../domain/core.js'
import type {ServerContext} from '../context.js'
import {auditNow} from './audit.js'
import {type LinkHandler, LinkSession} from './link-session.js'
import {RecordingExchange} from './recordings.js'
import {policyMismatch} from './server-policy.js'
import {CoreRouter} from './routing.js'
import {StreamRegistry} from './streams.js'

export const HEARTBEAT_SECONDS = 10
/** Events after which the owner's Cores get the owner's current signed statements. */
const OWNER_STATEMENT_EVENTS = new Set(['policy.updated', 'panic.triggered', 'panic.cleared', 'access.approved', 'access.revoked', 'owner.device.vouched', 'owner.device.revoked'])
/** How long a shutting-down server waits for the Cores to take its close frame. */
const CLOSE_GRACE_MS = 500
const LINK_MAX_MESSAGE = 256 * 1024
const INGEST_MAX_MESSAGE = 4 * 1024 * 1024

export class CoreHub implements LinkHandler {
  readonly streams: StreamRegistry
  /** With a bus: answers for the Cores linked here, and asks other instances for theirs. */
  readonly router?: CoreRouter
  readonly recordings: RecordingExchange
  heartbeatSeconds = HEARTBEAT_SECONDS
  private readonly sessions = new Map<string, LinkSession>()
  /** Policy differences already raised, per `coreId:cameraId`. */
  private readonly warned = new Map<string, string>()
  private readonly linkServer = new WebSocketServer({noServer: true, maxPayload: LINK_MAX_MESSAGE})
  private readonly ingestServer = new WebSocketServer({noServer: true, maxPayload: INGEST_MAX_MESSAGE})
  /** Store work started by socket events and timers, awaited before the server closes its store. */
  private readonly pending = new Set<Promise<unknown>>()
  private unsubscribe = () => {}

  constructor(private readonly ctx: ServerContext) {
    this.recordings = new RecordingExchange(ctx, (work) => this.background(work))
    this.streams = new StreamRegistry(ctx, (coreId) => this.sessions.get(coreId), (work) => this.background(work))
    if (ctx.bus) this.router = new CoreRouter(ctx, ctx.bus, this.streams, (session, cameraId) => this.policyWarning(session, cameraId))
  }

  /** At server start: nobody is connected, whatever the last run left behind; then listen to owner changes. */
  async start(): Promise<void> {
    // With a bus, other instances hold links of their own: only a single server may reset them all.
    if (!this.ctx.bus) await this.ctx.store.cores.markAllDisconnected()
    this.recordings.start()
    // Published after the commit of a new policy document, panic, clear, approval or revocation.
    this.unsubscribe = this.ctx.events.subscribe((event) => {
      if (event.ownerId && OWNER_STATEMENT_EVENTS.has(event.type)) this.background(this.ownerStatementsChanged(event.ownerId))
    })
  }

  session(coreId: string): LinkSession | undefined {
    return this.sessions.get(coreId)
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'https://rtcc.invalid').pathname
    const source = req.socket.remoteAddress ?? null
    if (path === LINK_PATH) {
      this.linkServer.handleUpgrade(req, socket, head, (ws) => new LinkSession(this.ctx, ws, source, this, this.heartbeatSeconds).start())
      return
    }
    if (path === INGEST_PATH) {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]
      const stream = token ? this.streams.claimIngest(token) : undefined
      if (!stream) {
        const refused = auditNow(this.ctx, {action: 'core.ingest', outcome: 'denied', source, detail: {reason: 'unknown or used ingest token'}})
        this.background(refused.finally(() => reject(socket, '401 Unauthorized')))
        return
      }
      this.ingestServer.handleUpgrade(req, socket, head, (ws) => this.streams.attachIngest(stream, ws))
      return
    }
    reject(socket, '404 Not Found')
  }

  // ── LinkHandler ──

  async authenticated(session: LinkSession, hello: Extract<CoreToServer, {type: 'hello'}>): Promise<void> {
    const previous = this.sessions.get(session.coreId)
    this.sessions.set(session.coreId, session)
    // A Core that reconnects before its old link timed out replaces it.
    previous?.close(4409, 'replaced by a new link')
    this.router?.serve(session)
    const now = new Date().toISOString()
    await auditNow(
      this.ctx,
      {action: 'core.connect', outcome: 'allowed', actorId: session.coreId, actorName: `core ${session.core.name}`, role: 'core', target: session.coreId, source: session.source, detail: {version: hello.version}},
      async () => {
        await this.ctx.store.cores.markConnected(session.coreId, {now, source: session.source, version: hello.version})
        await this.recordPolicies(session, hello.policies, now)
      },
    )
    await this.ctx.events.publish({type: 'core.online', ownerId: session.core.owner_id, data: this.coreFacts(session)})
    await this.checkPolicies(session)
    await this.pushStatements(session)
  }

  async refused(source: string | null, coreId: string | null, code: string, message: string): Promise<void> {
    await auditNow(this.ctx, {action: 'core.connect', outcome: 'denied', actorId: coreId, role: 'core', target: coreId, source, detail: {code, message}})
  }

  async message(session: LinkSession, message: Exclude<CoreToServer, {type: 'hello' | 'view.decision'}>): Promise<void> {
    const {store} = this.ctx
    switch (message.type) {
      case 'heartbeat':
        await store.cores.markSeen(session.coreId, new Date().toISOString())
        // The server's copy may have changed under it (a tampered database): checked every heartbeat.
        await this.checkPolicies(session)
        return
      case 'policies':
        await store.transaction(() => this.recordPolicies(session, message.policies, new Date().toISOString()))
        await this.checkPolicies(session)
        return
      case 'documents.applied': {
        const delivered = message.results.filter((r) => r.outcome !== 'rejected').map((r) => r.id)
        const rejected = message.results.filter((r) => r.outcome === 'rejected')
        await auditNow(
          this.ctx,
          {action: 'core.documents', outcome: rejected.length ? 'error' : 'allowed', actorId: session.coreId, actorName: `core ${session.core.name}`, role: 'core', target: session.coreId, source: session.source, detail: {results: message.results}},
          () => store.policies.markPolicyDocumentsDelivered(delivered, new Date().toISOString()),
        )
        return
      }
      case 'health':
        for (const change of await store.cores.recordHealth(session.coreId, message.cameras)) {
          if (change.from === change.to) continue
          await this.ctx.events.publish({
            type: change.to === 'online' ? 'camera.online' : 'camera.offline',
            severity: change.to === 'online' ? 'info' : 'warning',
            ownerId: session.core.owner_id,
            data: {cameraId: change.cameraId, cameraName: change.name, ...this.coreFacts(session), detail: change.detail},
          })
        }
        return
      case 'view.revoked':
        this.streams.revoked(message.streamId, message.viewId, message.reason)
        return
      case 'stream.ended':
        this.streams.ended(message.streamId, message.reason, message.detail)
        return
      case 'recording.answer':
        this.recordings.answered(session, message)
        return
      case 'recording.status':
        return this.recordings.status(session, message)
    }
  }

  async closed(session: LinkSession, detail: string): Promise<void> {
    if (this.sessions.get(session.coreId) !== session) return
    this.sessions.delete(session.coreId)
    this.router?.unserve(session.coreId)
    this.streams.coreGone(session.coreId)
    this.recordings.coreGone(session.coreId)
    await auditNow(
      this.ctx,
      {action: 'core.disconnect', outcome: 'allowed', actorId: session.coreId, actorName: `core ${session.core.name}`, role: 'core', target: session.coreId, source: session.source, detail: {detail}},
      () => this.ctx.store.cores.markDisconnected(session.coreId, new Date().toISOString()),
    )
    await this.ctx.events.publish({type: 'core.offline', severity: 'warning', ownerId: session.core.owner_id, data: {...this.coreFacts(session), detail}})
  }

  /** Each of the owner's connected Cores gets the owner's current set of signed statements. */
  async ownerStatementsChanged(ownerId: string): Promise<void> {
    for (const session of this.sessions.values()) if (session.core.owner_id === ownerId) await session.serially(() => this.pushStatements(session))
  }

  async close(): Promise<void> {
    this.unsubscribe()
    this.router?.close()
    this.recordings.close()
    this.streams.closeAll()
    // Recorded now, while the database is open; the sockets' close events come after it shuts.
    await Promise.all(
      [...this.sessions.values()].map((session) =>
        session.serially(async () => {
          await this.closed(session, 'server shutting down')
          session.close(1001, 'server shutting down')
        }),
      ),
    )
    // The close frame (1001) tells each Core the server is going away, so it retries fast for its
    // return; give the frames a moment to leave, then cut off whoever has not closed.
    const closing = [...this.linkServer.clients].filter((ws) => ws.readyState !== ws.CLOSED).map((ws) => new Promise((resolve) => ws.once('close', resolve)))
    await Promise.race([Promise.all(closing), sleep(CLOSE_GRACE_MS, undefined, {ref: false})])
    for (const client of [...this.linkServer.clients, ...this.ingestServer.clients]) client.terminate()
    this.linkServer.close()
    this.ingestServer.close()
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  private async pushStatements(session: LinkSession): Promise<void> {
    const {store} = this.ctx
    const now = new Date()
    const cameraIds = await store.cores.coreCameraIds(session.coreId)
    const panic = await store.panic.activePanic(session.core.owner_id, now)
    const documents = await store.policies.pendingPolicyDocuments(cameraIds)
    const approvals = (await Promise.all(cameraIds.map((id) => store.access.approvalsFor(id, now)))).flat()
    session.send({
      type: 'owner.statements',
      policyDocuments: documents.map((d) => ({id: d.id, statement: d.document})),
      panics: panic ? [{statement: panic.statement, clearStatement: panic.clearStatement}] : [],
      approvals: approvals.map((a) => ({requestId: a.requestId, cameraId: a.cameraId, statement: a.statement})),
      devices: await store.devices.vouchedDevices(session.core.owner_id),
    })
  }

  /**
   * Why the server's copy of the camera's policy differs from what its Core reported, or null; a
   * difference is raised once (warning event and audit record) until it goes away.
   */
  async policyWarning(session: LinkSession, cameraId: string): Promise<string | null> {
    const reported = session.policies.get(cameraId)
    const warning = reported ? await policyMismatch(this.ctx, reported) : null
    const key = `${session.coreId}:${cameraId}`
    if (!warning) this.warned.delete(key)
    else if (this.warned.get(key) !== warning) {
      this.warned.set(key, warning)
      const camera = {cameraId, cameraName: (await this.ctx.store.cameras.getCamera({kind: 'all'}, cameraId))?.name ?? cameraId}
      await auditNow(this.ctx, {action: 'core.policy_mismatch', outcome: 'error', actorName: 'rtcc server', target: cameraId, detail: {coreId: session.coreId, reported, warning}})
      await this.ctx.events.publish({type: 'core.policy_mismatch', severity: 'warning', ownerId: session.core.owner_id, data: {...camera, ...this.coreFacts(session), detail: warning}})
    }
    return warning
  }

  /** Keeps store work started outside a request (socket events, timers) until it settles; logs a failure. */
  background(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: Error) => process.stderr.write(`rtcc server: Core link: ${error.stack ?? error.message}\n`))
      .finally(() => this.pending.delete(tracked))
    this.pending.add(tracked)
  }

  private async checkPolicies(session: LinkSession): Promise<void> {
    for (const cameraId of session.policies.keys()) await this.policyWarning(session, cameraId)
  }

  /** What the Core enforces: kept per camera for `core list`, offered to the policy display, and checked against the server's copy. */
  private async recordPolicies(session: LinkSession, summaries: CameraPolicySummary[], now: string): Promise<void> {
    await this.ctx.store.cores.recordPolicyModes(session.coreId, summaries)
    await this.ctx.store.policies.recordCorePolicies(session.core.owner_id, summaries, now)
    for (const summary of summaries) session.policies.set(summary.cameraId, summary)
  }

  private coreFacts(session: LinkSession) {
    return {coreId: session.coreId, coreName: session.core.name, site: session.core.name, ownerId: session.core.owner_id}
  }
}

function reject(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/** Called once by the app: Core links and video ingest on the server's own socket, through the context's hub. */
export async function attachCoreLink(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const hub = ctx.cores
  await hub.start()
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => hub.upgrade(req, socket, head))
  // Before the server waits for connections to finish: links and video streams never finish by themselves.
  app.addHook('preClose', async () => hub.close())
}
