/**
 * `rtcc core run`: the edge agent. It keeps the link to the server up, reports camera health, and
 * answers the server's view requests with the decision of the owner's local policy: for every
 * request, whatever the server says. While it shares, it re-checks each viewer against the policy
 * every few seconds (and at the end of each decision's window), so an owner's change or the end of a
 * panic or approval stops the video within seconds, with no help from the server.
 */
import type {CameraHealth, CameraPolicySummary, CoreConfig, DecisionMessage, RecordingRequestMessage, Requester, ServerToCore} from '../domain/core.js'
import type {VideoKind} from '../domain/policy.js'
import {type BackoffPolicy, DEFAULT_BACKOFF} from './backoff.js'
import {readCoreConfig, readIdentityPem} from './config.js'
import {decideView} from './decision.js'
import {StatementGrants} from './grants.js'
import {checkCameras} from './health.js'
import {loadPrivateKey} from './identity.js'
import {CoreLink, type LinkState} from './link.js'
import {policySummaries} from './policies.js'
import {CoreRecordings} from './recording/index.js'
import {CameraRelay, type RelayEnd} from './relay.js'
import {type AgentState, writeAgentState} from './state.js'
import {CoreWitness} from './witness.js'

export interface AgentOptions {
  dir: string
  version: string
  /** Between camera health rounds (default 60 s). */
  healthIntervalMs?: number
  /** Between re-checks of running views against the policy (default 2 s). */
  recheckMs?: number
  backoff?: BackoffPolicy
  /** Other instances of the same deployment (same certificate) to fail over to, besides the provisioned URL. */
  servers?: string[]
  log?: (line: string) => void
}

interface Viewer {
  requester: Requester
  kind: VideoKind
  decision: DecisionMessage
  untilTimer?: NodeJS.Timeout
}

interface RelayEntry {
  relay: CameraRelay
  cameraId: string
  kind: VideoKind
  viewers: Map<string, Viewer>
}

export const DEFAULT_HEALTH_INTERVAL_MS = 60_000
export const DEFAULT_RECHECK_MS = 2000

export class CoreAgent {
  private readonly link: CoreLink
  private readonly relays = new Map<string, RelayEntry>()
  private readonly grants = new StatementGrants()
  private health: CameraHealth[] = []
  private reportedPolicies = ''
  private healthTimer?: NodeJS.Timeout
  private recheckTimer?: NodeJS.Timeout
  private checking?: Promise<void>
  private stopped = false
  private readonly state: AgentState
  private readonly witness: CoreWitness
  readonly recordings: CoreRecordings
  private syncingRecordings?: Promise<void>
  private reportedRecording = ''

  constructor(
    private readonly options: AgentOptions,
    private config: CoreConfig,
  ) {
    this.witness = new CoreWitness(options.dir, config, (line) => this.log(line))
    this.state = {pid: process.pid, startedAt: new Date().toISOString(), version: options.version, link: {state: 'offline', detail: 'starting', since: new Date().toISOString()}, lastHeartbeatAt: null, cameras: [], relays: []}
    const identity = loadPrivateKey(readIdentityPem(options.dir))
    this.recordings = new CoreRecordings({dir: options.dir, identity, backoff: options.backoff ?? DEFAULT_BACKOFF, log: (line) => this.log(line)})
    this.link = new CoreLink(
      config,
      identity,
      {
        hello: () => ({version: options.version, policies: this.policies()}),
        message: (message) => this.onMessage(message),
        state: (state, detail) => this.onLinkState(state, detail),
      },
      options.backoff ?? DEFAULT_BACKOFF,
      () => {
        this.state.lastHeartbeatAt = new Date().toISOString()
        return {type: 'heartbeat', at: this.state.lastHeartbeatAt, relays: this.relays.size}
      },
      options.servers,
    )
  }

  start(): void {
    this.log(`Core ${this.config.coreId} "${this.config.name}": ${this.config.cameras.length} camera(s), server ${this.config.server.url}`)
    this.link.start()
    this.syncRecordings()
    this.scheduleHealth(0)
    this.recheckTimer = setInterval(() => this.recheck(), this.options.recheckMs ?? DEFAULT_RECHECK_MS)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.healthTimer)
    clearInterval(this.recheckTimer)
    for (const streamId of [...this.relays.keys()]) this.stopRelay(streamId, 'stopped', false)
    await this.syncingRecordings
    await this.recordings.stop()
    await this.link.stop()
    await this.checking
    this.saveState()
  }

  get linkState(): LinkState {
    return this.link.state
  }

  /** Relays running now: for tests and `core status`. */
  activeRelays(): {streamId: string; cameraId: string; kind: VideoKind; viewers: number; pid: number | undefined}[] {
    return [...this.relays.entries()].map(([streamId, e]) => ({streamId, cameraId: e.cameraId, kind: e.kind, viewers: e.viewers.size, pid: e.relay.pid}))
  }

  /** Runs a health round now (also what the timer does). */
  async checkHealth(): Promise<CameraHealth[]> {
    this.config = this.freshConfig()
    const relayed = new Set([...this.relays.values()].map((e) => e.cameraId))
    const probed = await checkCameras(this.config.cameras.filter((c) => !relayed.has(c.id)))
    const now = new Date().toISOString()
    // A camera whose video is flowing right now is online without a probe.
    const flowing: CameraHealth[] = this.config.cameras
      .filter((c) => relayed.has(c.id))
      .map((c) => ({cameraId: c.id, status: 'online', onvif: c.deviceServiceUrl ? 'ok' : 'none', stream: this.health.find((h) => h.cameraId === c.id)?.stream ?? null, detail: 'relaying video now', checkedAt: now}))
    this.health = [...probed, ...flowing]
    this.link.send({type: 'health', cameras: this.health})
    this.saveState()
    return this.health
  }

  private log(line: string): void {
    this.options.log?.(`${new Date().toISOString()} ${line}`)
  }

  private freshConfig(): CoreConfig {
    try {
      return readCoreConfig(this.options.dir)
    } catch (error) {
      this.log(`cannot re-read the Core config, keeping the last good one: ${(error as Error).message}`)
      return this.config
    }
  }

  private policies(): CameraPolicySummary[] {
    return policySummaries(this.options.dir, this.config.cameras.map((c) => c.id))
  }

  private onLinkState(state: LinkState, detail: string): void {
    this.state.link = {state, detail, since: new Date().toISOString()}
    this.log(`link ${state}: ${detail}`)
    if (state === 'online') {
      void this.witness.check()
      if (this.health.length) this.link.send({type: 'health', cameras: this.health})
      this.reportedPolicies = JSON.stringify(this.policies())
      this.reportedRecording = ''
    } else {
      // The server ended every stream when the link dropped; nothing may keep flowing.
      for (const streamId of [...this.relays.keys()]) this.stopRelay(streamId, 'stopped', false)
    }
    this.saveState()
  }

  private onMessage(message: Exclude<ServerToCore, {type: 'challenge' | 'welcome'}>): void {
    switch (message.type) {
      case 'view.request':
        return this.onViewRequest(message)
      case 'view.end': {
        const entry = this.relays.get(message.streamId)
        this.dropViewer(entry, message.viewId)
        if (entry && entry.viewers.size === 0) this.stopRelay(message.streamId, 'viewer-left', false)
        return
      }
      case 'stream.stop':
        if (this.relays.has(message.streamId)) this.stopRelay(message.streamId, message.reason, false)
        return
      case 'owner.statements':
        return this.onStatements(message)
      case 'recording.request':
        return void this.onRecordingRequest(message)
      case 'refused':
        return
    }
  }

  private onViewRequest(request: Extract<ServerToCore, {type: 'view.request'}>): void {
    this.config = this.freshConfig()
    const who = `${request.requester.username} (${request.requester.role}${request.requester.agencyName ? `, ${request.requester.agencyName}` : ''})`
    let decision = decideView(this.options.dir, this.config, {cameraId: request.cameraId, kind: request.kind, requester: request.requester, at: new Date()}, this.grants)
    if (decision.allow && this.witness.failure)
      decision = {allow: false, code: 'audit-log-refused', reason: `the server's audit log failed this Core's witness check: ${this.witness.failure}`.slice(0, 500), until: null}
    if (decision.allow && request.kind === 'recorded')
      decision = {allow: false, code: 'recordings-unavailable', reason: 'recorded video is not streamed: list and pull it with `rtcc recordings list|pull`', until: null}
    if (decision.allow) {
      const started = this.share(request, decision)
      if (!started) decision = {allow: false, code: 'camera-busy', reason: 'the Core is already relaying this camera under another stream', until: null}
    }
    const overruled = request.server?.allowed && !decision.allow ? " (the server's copy of the policy would allow it; this Core's own policy decides)" : ''
    const note = request.server?.note ? `; the server notes: ${request.server.note}` : ''
    this.log(`${decision.allow ? 'SHARE' : 'REFUSE'} ${request.kind} ${request.cameraId} to ${who}: ${decision.reason}${overruled}${note}`)
    this.link.send({type: 'view.decision', requestId: request.requestId, streamId: request.streamId, viewId: request.viewId, decision})
  }

  /** A list or pull of recorded video: the same local decision as live video, for the `recorded` kind. */
  private async onRecordingRequest(request: RecordingRequestMessage): Promise<void> {
    this.config = this.freshConfig()
    const who = `${request.requester.username} (${request.requester.role}${request.requester.agencyName ? `, ${request.requester.agencyName}` : ''})`
    let decision = decideView(this.options.dir, this.config, {cameraId: request.cameraId, kind: 'recorded', requester: request.requester, at: new Date(), window: request.window}, this.grants)
    if (decision.allow && this.witness.failure)
      decision = {allow: false, code: 'audit-log-refused', reason: `the server's audit log failed this Core's witness check: ${this.witness.failure}`.slice(0, 500), until: null}
    const overruled = request.server?.allowed && !decision.allow ? " (the server's copy of the policy would allow it; this Core's own policy decides)" : ''
    this.log(`${decision.allow ? 'ALLOW' : 'REFUSE'} recording ${request.op} ${request.cameraId} ${request.window.from}..${request.window.to} to ${who}: ${decision.reason}${overruled}`)
    const answer = decision.allow ? await this.recordings.answer(this.config, request, decision) : {type: 'recording.answer' as const, requestId: request.requestId, decision}
    if (answer.error) this.log(`recording ${request.op} of ${request.cameraId} failed: ${answer.error}`)
    this.link.send(answer)
  }

  /** Starts or stops recorders to match recording.json (checked with every policy re-check). */
  private syncRecordings(): void {
    if (this.stopped || this.syncingRecordings) return
    this.syncingRecordings = this.recordings
      .sync(this.config)
      .then(() => {
        const status = JSON.stringify(this.recordings.status(this.config))
        if (status !== this.reportedRecording && this.link.send({type: 'recording.status', cameras: JSON.parse(status) as ReturnType<CoreRecordings['status']>})) this.reportedRecording = status
      })
      .catch((error: Error) => this.log(`recording: ${error.message}`))
      .finally(() => (this.syncingRecordings = undefined))
  }

  private onStatements(statements: Extract<ServerToCore, {type: 'owner.statements'}>): void {
    this.config = this.freshConfig()
    const outcome = this.grants.receive(this.options.dir, this.config, statements)
    const applied = outcome.documents.filter((d) => d.outcome === 'applied').length
    this.log(`owner statements: ${applied} policy document(s) applied, ${outcome.panics} panic(s), ${outcome.approvals} approval(s) verified`)
    for (const problem of outcome.rejected) this.log(`REJECTED ${problem}`)
    if (outcome.documents.length) this.link.send({type: 'documents.applied', results: outcome.documents})
    // A new policy or a cleared panic may end what is shared now.
    this.recheck()
  }

  /** Adds the viewer to the camera's relay, starting it if needed; false if the camera is relayed under another stream. */
  private share(request: Extract<ServerToCore, {type: 'view.request'}>, decision: DecisionMessage): boolean {
    let entry = this.relays.get(request.streamId)
    if (!entry) {
      if ([...this.relays.values()].some((e) => e.cameraId === request.cameraId && e.kind === request.kind)) return false
      const camera = this.config.cameras.find((c) => c.id === request.cameraId)!
      const relay = new CameraRelay(request.streamId, camera, {...this.config.server, url: this.link.serverUrl}, request.ingestToken)
      entry = {relay, cameraId: camera.id, kind: request.kind, viewers: new Map()}
      this.relays.set(request.streamId, entry)
      relay.start()
      void relay.done.then((end) => this.relayEnded(request.streamId, relay, end))
    }
    const viewer: Viewer = {requester: request.requester, kind: request.kind, decision}
    if (decision.until) viewer.untilTimer = setTimeout(() => this.recheck(), Math.max(0, Date.parse(decision.until) - Date.now()) + 10)
    entry.viewers.set(request.viewId, viewer)
    this.saveState()
    return true
  }

  /** Every running view against the policy as it is now; views it no longer allows are revoked. */
  private recheck(): void {
    if (this.stopped) return
    this.config = this.freshConfig()
    const now = new Date()
    for (const [streamId, entry] of [...this.relays.entries()]) {
      let lastReason: 'policy-window-ended' | 'owner-revoked' = 'owner-revoked'
      for (const [viewId, viewer] of [...entry.viewers.entries()]) {
        const decision = decideView(this.options.dir, this.config, {cameraId: entry.cameraId, kind: viewer.kind, requester: viewer.requester, at: now}, this.grants)
        if (decision.allow) continue
        lastReason = viewer.decision.until && now.getTime() >= Date.parse(viewer.decision.until) ? 'policy-window-ended' : 'owner-revoked'
        this.log(`STOP ${entry.kind} ${entry.cameraId} for ${viewer.requester.username}: ${decision.reason} (${lastReason})`)
        this.dropViewer(entry, viewId)
        this.link.send({type: 'view.revoked', streamId, viewId, reason: lastReason, decision})
      }
      if (entry.viewers.size === 0) this.stopRelay(streamId, lastReason, true)
    }
    this.syncRecordings()
    const summaries = JSON.stringify(this.policies())
    if (summaries !== this.reportedPolicies && this.link.send({type: 'policies', policies: JSON.parse(summaries) as CameraPolicySummary[]})) this.reportedPolicies = summaries
  }

  private dropViewer(entry: RelayEntry | undefined, viewId: string): void {
    const viewer = entry?.viewers.get(viewId)
    if (!entry || !viewer) return
    clearTimeout(viewer.untilTimer)
    entry.viewers.delete(viewId)
  }

  private stopRelay(streamId: string, reason: string, tellServer: boolean): void {
    const entry = this.relays.get(streamId)
    if (!entry) return
    this.relays.delete(streamId)
    for (const viewId of [...entry.viewers.keys()]) this.dropViewer(entry, viewId)
    entry.relay.stop()
    if (tellServer) this.link.send({type: 'stream.ended', streamId, reason, detail: null})
    this.log(`relay of ${entry.cameraId} stopped: ${reason}`)
    this.saveState()
  }

  private relayEnded(streamId: string, relay: CameraRelay, end: RelayEnd): void {
    const entry = this.relays.get(streamId)
    if (!entry || entry.relay !== relay) return
    this.relays.delete(streamId)
    for (const viewId of [...entry.viewers.keys()]) this.dropViewer(entry, viewId)
    this.link.send({type: 'stream.ended', streamId, reason: end.reason, detail: end.detail})
    this.log(`relay of ${entry.cameraId} ended: ${end.reason}${end.detail ? `: ${end.detail}` : ''}`)
    this.saveState()
  }

  private scheduleHealth(delayMs: number): void {
    this.healthTimer = setTimeout(() => {
      this.checking = this.checkHealth()
        .then(() => undefined, (error: Error) => this.log(`health check failed: ${error.message}`))
        .finally(() => {
          if (!this.stopped) this.scheduleHealth(this.options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS)
        })
    }, delayMs)
  }

  private saveState(): void {
    this.state.cameras = this.health
    this.state.relays = this.activeRelays().map(({streamId, cameraId, kind, viewers}) => ({streamId, cameraId, kind, viewers}))
    writeAgentState(this.options.dir, this.state)
  }
}

export function startCoreAgent(options: AgentOptions): CoreAgent {
  const agent = new CoreAgent(options, readCoreConfig(options.dir))
  agent.start()
  return agent
}
