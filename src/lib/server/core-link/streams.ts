/**
 * Running streams and their views on the server. One relay per camera and video kind; each viewer
 * who asks is a view that the Core must allow separately (approvals can name one requester), and a
 * view lives while someone watches its URL (plus a grace period) or until the Core revokes it. A
 * stream ends when its last view ends, when the Core ends it, or when the Core goes away.
 *
 * The server never decides that video may flow: it asks the Core for every view its own copy of the
 * policy allows (the route refuses the others) and only relays what the Core sends. It can only end things early (a viewer leaving, a policy window's end as a
 * second guard behind the Core's own).
 */
import {randomBytes, randomUUID} from 'node:crypto'
import type {ServerResponse} from 'node:http'
import type {WebSocket} from 'ws'

import type {AuditInput} from '../../audit/log.js'
import type {DecisionMessage, Requester} from '../../domain/core.js'
import type {EndReason, StreamGrant, StreamKind, StreamView} from '../../domain/stream.js'
import type {CoreRow} from '../../store/cores.js'
import type {ServerContext} from '../context.js'
import {HttpError} from '../http-error.js'
import {auditNow} from './audit.js'
import {Fmp4Fanout} from './fanout.js'
import type {LinkSession} from './link-session.js'
import {WatchUrlSigner} from './watch-url.js'

export interface StreamTimings {
  /** How long the Core has to answer a view request. */
  decisionTimeoutMs: number
  /** How long after an allowed request the first keyframe must arrive. */
  firstFrameTimeoutMs: number
  /** A view nobody has opened yet ends after this. */
  firstWatchGraceMs: number
  /** A view whose last viewer left (or a snapshot view not asked again) ends after this. */
  viewerIdleMs: number
}

export const DEFAULT_TIMINGS: StreamTimings = {decisionTimeoutMs: 10_000, firstFrameTimeoutMs: 15_000, firstWatchGraceMs: 60_000, viewerIdleMs: 10_000}

interface LiveView {
  id: string
  requester: Requester
  decision: DecisionMessage
  watchers: Set<ServerResponse>
  idleTimer?: NodeJS.Timeout
  untilTimer?: NodeJS.Timeout
  /** `userId:cameraId` for a view that serves snapshots to one user. */
  snapshotKey?: string
  /** Resolves when the view ends. */
  gone: Promise<void>
  end: () => void
}

interface LiveStream {
  id: string
  key: string
  camera: {id: string; name: string}
  core: CoreRow
  kind: StreamKind
  startedAt: string
  startedBy: Requester
  decision?: DecisionMessage
  fanout: Fmp4Fanout
  ingestToken: string
  ingest?: WebSocket
  views: Map<string, LiveView>
  /** View requests sent to the Core and not answered yet. */
  asking: number
  announced: boolean
  ended: boolean
}

export interface OpenRequest {
  camera: {id: string; name: string}
  core: CoreRow
  session: LinkSession
  kind: StreamKind
  requester: Requester
  urlSeconds: number
  /** `https://host:port` the viewer reached, for the watch URL. */
  baseUrl: string
  snapshot?: boolean
  /** Passed to the Core with the request: why the server's copy of the policy differs from its own. */
  serverNote?: string
}

export type OpenResult = {allowed: true; grant: StreamGrant} | {allowed: false; decision: DecisionMessage}

const POLICY_MODE: Record<string, string> = {always: 'always', 'emergency-active': 'emergency', 'approval-active': 'approval'}
export const policyMode = (code: string): string => POLICY_MODE[code] ?? code

export class StreamRegistry {
  timings: StreamTimings = {...DEFAULT_TIMINGS}
  private readonly byKey = new Map<string, LiveStream>()
  private readonly byId = new Map<string, LiveStream>()
  private readonly byIngestToken = new Map<string, LiveStream>()
  private readonly snapshotViews = new Map<string, {stream: LiveStream; view: LiveView}>()
  private readonly signer: WatchUrlSigner

  constructor(
    private readonly ctx: ServerContext,
    private readonly sessionFor: (coreId: string) => LinkSession | undefined,
    /** Store work started by a timer or a socket (a stop's record and event): kept until it settles. */
    private readonly background: (work: Promise<unknown>) => void = (work) => void work.catch(() => undefined),
  ) {
    this.signer = new WatchUrlSigner(ctx.secrets.masterKey)
  }

  async open(request: OpenRequest): Promise<OpenResult> {
    const key = `${request.camera.id}:${request.kind}`
    let stream = this.byKey.get(key)
    const created = !stream
    stream ??= this.create(key, request)
    const viewId = randomUUID()
    stream.asking++
    let decision: DecisionMessage
    try {
      decision = await request.session.ask(
        {type: 'view.request', streamId: stream.id, viewId, cameraId: request.camera.id, kind: request.kind, requester: request.requester, ingestToken: stream.ingestToken, server: {allowed: true, note: request.serverNote}},
        this.timings.decisionTimeoutMs,
      )
    } catch (error) {
      stream.asking--
      this.dropIfUnused(stream)
      throw new HttpError(504, 'core_timeout', `the Core serving ${request.camera.name} did not answer: ${(error as Error).message}`)
    }
    stream.asking--
    if (!decision.allow || stream.ended) {
      this.dropIfUnused(stream)
      return {allowed: false, decision: decision.allow ? {...decision, allow: false, code: 'stream-ended', reason: 'the stream ended while the Core was deciding'} : decision}
    }
    stream.decision ??= decision
    let end!: () => void
    const gone = new Promise<void>((resolve) => (end = resolve))
    const view: LiveView = {id: viewId, requester: request.requester, decision, watchers: new Set(), gone, end}
    stream.views.set(view.id, view)
    if (request.snapshot) {
      view.snapshotKey = `${request.requester.userId}:${request.camera.id}`
      this.snapshotViews.set(view.snapshotKey, {stream, view})
    }
    // Behind the Core's own enforcement: the server ends the view at the end of the window too.
    if (decision.until) view.untilTimer = setTimeout(() => this.endView(stream, view, 'policy-window-ended', false), Math.max(0, Date.parse(decision.until) - Date.now())).unref()
    await this.firstFrame(stream, view)
    this.idle(stream, view, request.snapshot ? this.timings.viewerIdleMs : Math.min(this.timings.firstWatchGraceMs, request.urlSeconds * 1000))
    const expiresAt = Date.now() + request.urlSeconds * 1000
    return {
      allowed: true,
      grant: {
        streamId: stream.id,
        viewId: view.id,
        cameraId: request.camera.id,
        cameraName: request.camera.name,
        kind: request.kind,
        url: `${request.baseUrl}/v1/streams/watch/${this.signer.sign({streamId: stream.id, viewId: view.id, expiresAt})}`,
        urlExpiresAt: new Date(expiresAt).toISOString(),
        policy: {code: decision.code, reason: decision.reason, until: decision.until},
        started: created && !stream.announced,
      },
    }
  }

  /** Called once the start is audited: from now on the stream is listed, and its stop is audited. */
  announce(streamId: string): void {
    const stream = this.byId.get(streamId)
    if (!stream || stream.announced || stream.ended) return
    stream.announced = true
    const view = this.view(stream)
    this.background(this.ctx.events.publish({type: 'stream.started', ownerId: stream.core.owner_id, data: {...view}}))
  }

  /** A snapshot view this user already holds on the camera, kept alive by asking again. */
  snapshotView(userId: string, cameraId: string): {streamId: string; fanout: Fmp4Fanout} | undefined {
    const found = this.snapshotViews.get(`${userId}:${cameraId}`)
    if (!found || found.stream.ended || !found.stream.views.has(found.view.id)) return undefined
    this.idle(found.stream, found.view, this.timings.viewerIdleMs)
    return {streamId: found.stream.id, fanout: found.stream.fanout}
  }

  fanoutOf(streamId: string): Fmp4Fanout | undefined {
    return this.byId.get(streamId)?.fanout
  }

  /** Opens a watch URL: undefined when the token is bad or expired, or its view has ended. */
  watcher(token: string): {stream: LiveStream; view: LiveView} | undefined {
    const claims = this.signer.verify(token, Date.now())
    const stream = claims && this.byId.get(claims.streamId)
    const view = stream && !stream.ended ? stream.views.get(claims.viewId) : undefined
    return stream && view ? {stream, view} : undefined
  }

  attachWatcher(stream: LiveStream, view: LiveView, res: ServerResponse): void {
    clearTimeout(view.idleTimer)
    view.watchers.add(res)
    const detach = stream.fanout.attach(res)
    res.on('close', () => {
      detach()
      view.watchers.delete(res)
      if (view.watchers.size === 0 && stream.views.has(view.id)) this.idle(stream, view, this.timings.viewerIdleMs)
    })
  }

  /** The viewer says they are done (`rtcc stream open --play` when the player exits). */
  leave(streamId: string, viewId: string): boolean {
    const stream = this.byId.get(streamId)
    const view = stream?.views.get(viewId)
    if (!stream || !view) return false
    this.endView(stream, view, 'viewer-left', false)
    return true
  }

  list(): StreamView[] {
    return [...this.byId.values()].filter((s) => s.announced && !s.ended).map((s) => this.view(s))
  }

  cameraOf(streamId: string): string | undefined {
    return this.byId.get(streamId)?.camera.id
  }

  // ── From the link ──

  /** The ingest socket for a token (single use), or undefined. */
  claimIngest(token: string): LiveStream | undefined {
    const stream = this.byIngestToken.get(token)
    if (!stream || stream.ended || stream.ingest) return undefined
    this.byIngestToken.delete(token)
    return stream
  }

  attachIngest(stream: LiveStream, ws: WebSocket): void {
    stream.ingest = ws
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary || stream.ended) return
      try {
        stream.fanout.push(data)
      } catch (error) {
        this.endStream(stream, 'camera-failed', `the Core sent something other than fragmented MP4: ${(error as Error).message}`, false)
      }
    })
    ws.on('close', () => {
      // The Core says why over the link; if it does not within a second, the camera went away.
      setTimeout(() => this.endStream(stream, 'camera-failed', 'the Core closed the video connection', true), 1000).unref()
    })
  }

  revoked(streamId: string, viewId: string, reason: EndReason): void {
    const stream = this.byId.get(streamId)
    const view = stream?.views.get(viewId)
    if (stream && view) this.endView(stream, view, reason, true)
  }

  ended(streamId: string, reason: string, detail: string | null): void {
    const stream = this.byId.get(streamId)
    if (stream) this.endStream(stream, endReason(reason), detail, true)
  }

  coreGone(coreId: string): void {
    for (const stream of [...this.byId.values()]) if (stream.core.id === coreId) this.endStream(stream, 'core-offline', 'the Core disconnected', true)
  }

  closeAll(): void {
    for (const stream of [...this.byId.values()]) this.endStream(stream, 'server-shutdown', null, false)
  }

  // ── Internals ──

  private create(key: string, request: OpenRequest): LiveStream {
    const stream: LiveStream = {
      id: randomUUID(),
      key,
      camera: request.camera,
      core: request.core,
      kind: request.kind,
      startedAt: new Date().toISOString(),
      startedBy: request.requester,
      fanout: new Fmp4Fanout(),
      ingestToken: randomBytes(32).toString('base64url'),
      views: new Map(),
      asking: 0,
      announced: false,
      ended: false,
    }
    this.byKey.set(key, stream)
    this.byId.set(stream.id, stream)
    this.byIngestToken.set(stream.ingestToken, stream)
    return stream
  }

  private async firstFrame(stream: LiveStream, view: LiveView): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.timings.firstFrameTimeoutMs)))
    const outcome = await Promise.race([stream.fanout.ready.then(() => 'ready' as const), view.gone.then(() => 'gone' as const), timeout])
    clearTimeout(timer)
    if (stream.ended || !stream.views.has(view.id)) throw new HttpError(502, 'stream_ended', `the stream from ${stream.camera.name} ended before its first picture`)
    if (outcome === 'timeout') {
      this.endView(stream, view, 'camera-failed', false)
      throw new HttpError(504, 'no_video', `no picture from ${stream.camera.name} within ${this.timings.firstFrameTimeoutMs / 1000} s`)
    }
  }

  private idle(stream: LiveStream, view: LiveView, ms: number): void {
    clearTimeout(view.idleTimer)
    view.idleTimer = setTimeout(() => this.endView(stream, view, 'viewer-left', false), ms).unref()
  }

  private dropIfUnused(stream: LiveStream): void {
    if (stream.views.size === 0 && stream.asking === 0) this.endStream(stream, 'refused', null, false)
  }

  private endView(stream: LiveStream, view: LiveView, reason: EndReason, fromCore: boolean): void {
    if (!stream.views.delete(view.id)) return
    view.end()
    clearTimeout(view.idleTimer)
    clearTimeout(view.untilTimer)
    if (view.snapshotKey) this.snapshotViews.delete(view.snapshotKey)
    for (const res of view.watchers) res.end()
    if (!fromCore) this.sessionFor(stream.core.id)?.send({type: 'view.end', streamId: stream.id, viewId: view.id, reason})
    if (stream.views.size === 0 && stream.asking === 0) this.endStream(stream, reason, null, fromCore)
  }

  private endStream(stream: LiveStream, reason: EndReason, detail: string | null, fromCore: boolean): void {
    if (stream.ended) return
    stream.ended = true
    this.byKey.delete(stream.key)
    this.byId.delete(stream.id)
    this.byIngestToken.delete(stream.ingestToken)
    for (const view of stream.views.values()) {
      view.end()
      clearTimeout(view.idleTimer)
      clearTimeout(view.untilTimer)
      if (view.snapshotKey) this.snapshotViews.delete(view.snapshotKey)
      for (const res of view.watchers) res.end()
    }
    stream.views.clear()
    stream.ingest?.close()
    if (!fromCore) this.sessionFor(stream.core.id)?.send({type: 'stream.stop', streamId: stream.id, reason})
    if (!stream.announced) return
    const seconds = Math.round((Date.now() - Date.parse(stream.startedAt)) / 1000)
    const stopped: AuditInput = {
      action: 'stream.stop',
      outcome: 'allowed',
      actorId: fromCore ? stream.core.id : null,
      actorName: fromCore ? `core ${stream.core.name}` : 'rtcc server',
      role: fromCore ? 'core' : null,
      target: stream.camera.id,
      detail: {kind: stream.kind, reason, detail, streamId: stream.id, policyReason: stream.decision?.reason ?? null, agency: stream.startedBy.agencyName, durationSeconds: seconds, bytes: stream.fanout.totalBytes},
    }
    const event = {
      type: 'stream.stopped',
      ownerId: stream.core.owner_id,
      data: {streamId: stream.id, cameraId: stream.camera.id, cameraName: stream.camera.name, site: stream.core.name, kind: stream.kind, reason, detail, durationSeconds: seconds},
    }
    // The stop is announced once its record is committed.
    this.background(auditNow(this.ctx, stopped).then(() => this.ctx.events.publish(event)))
  }

  private view(stream: LiveStream): StreamView {
    const stats = stream.fanout.stats()
    const decision = stream.decision
    return {
      streamId: stream.id,
      cameraId: stream.camera.id,
      cameraName: stream.camera.name,
      coreId: stream.core.id,
      site: stream.core.name,
      kind: stream.kind,
      startedAt: stream.startedAt,
      startedBy: stream.startedBy.username,
      policyMode: policyMode(decision?.code ?? ''),
      policyReason: decision?.reason ?? '',
      until: decision?.until ?? null,
      viewers: [...stream.views.values()].reduce((n, v) => n + Math.max(v.watchers.size, v.snapshotKey ? 1 : 0), 0),
      bitrate: stats.bitrate,
      fps: stats.fps,
    }
  }
}

const CORE_REASONS = new Set<string>(['viewer-left', 'policy-window-ended', 'owner-revoked', 'camera-failed'])
const endReason = (reason: string): EndReason => (CORE_REASONS.has(reason) ? (reason as EndReason) : 'camera-failed')
