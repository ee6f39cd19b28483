/**
 * The Core's one outbound control connection: WSS to the server (TLS 1.3, pinned certificate, no
 * listening port anywhere on the Core). It answers the server's challenge with the Core's signature,
 * sends heartbeats, and reconnects whenever the link drops or the server goes quiet for three
 * heartbeats: fast after a server restart, else with exponential backoff and jitter (backoff.ts).
 * Given several server URLs (instances of one deployment, sharing its certificate and so the one pin),
 * each new attempt goes to the next URL, so a Core whose instance died is back on another within the
 * same backoff.
 */
import type {KeyObject} from 'node:crypto'
import WebSocket from 'ws'

import {challengeMessage, type CoreConfig, type CoreToServer, LINK_PATH, ServerToCore} from '../domain/core.js'
import {type BackoffPolicy, DEFAULT_BACKOFF, Reconnect} from './backoff.js'
import {signMessage} from './identity.js'
import {coreWsOptions, wssUrl} from './tls.js'

export type LinkState = 'connecting' | 'online' | 'offline' | 'stopped'

export interface LinkEvents {
  /** Fields of the signed hello besides the signature (policy modes, version). */
  hello(): Omit<Extract<CoreToServer, {type: 'hello'}>, 'type' | 'coreId' | 'signature'>
  /** Any message after the welcome. */
  message(message: Exclude<ServerToCore, {type: 'challenge' | 'welcome'}>): void
  state(state: LinkState, detail: string): void
}

const WELCOME_TIMEOUT_MS = 10_000
/** The server's close code when it shuts down (a restart, usually): the Core retries fast. */
const SERVER_GOING_AWAY = 1001

export class CoreLink {
  private ws?: WebSocket
  private readonly reconnect: Reconnect
  private stopped = false
  private retryTimer?: NodeJS.Timeout
  private heartbeat?: NodeJS.Timeout
  private lastHeard = 0
  private heartbeatMs = 10_000
  private onlineSince = 0
  private readonly urls: string[]
  private next = 0
  /** The instance this link is (or was last) connected to: where video for it goes too. */
  serverUrl: string
  state: LinkState = 'offline'

  constructor(
    private readonly config: CoreConfig,
    private readonly privateKey: KeyObject,
    private readonly events: LinkEvents,
    backoff: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly heartbeatMessage: () => CoreToServer = () => ({type: 'heartbeat', at: new Date().toISOString(), relays: 0}),
    otherServers: string[] = [],
  ) {
    this.reconnect = new Reconnect(backoff)
    this.urls = [...new Set([config.server.url, ...otherServers])]
    this.serverUrl = config.server.url
  }

  start(): void {
    this.connect()
  }

  get online(): boolean {
    return this.state === 'online'
  }

  send(message: CoreToServer): boolean {
    if (this.state !== 'online' || this.ws?.readyState !== WebSocket.OPEN) return false
    this.ws.send(JSON.stringify(message))
    return true
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retryTimer)
    clearInterval(this.heartbeat)
    const ws = this.ws
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => ws.terminate(), 2000)
        ws.once('close', () => {
          clearTimeout(kill)
          resolve()
        })
        ws.close(1000, 'Core stopping')
      })
    }
    this.setState('stopped', 'stopped')
  }

  private connect(): void {
    if (this.stopped) return
    const url = this.urls[this.next]!
    this.next = (this.next + 1) % this.urls.length
    this.setState('connecting', url)
    const ws = new WebSocket(wssUrl(url, LINK_PATH), {...coreWsOptions(this.config.server), handshakeTimeout: WELCOME_TIMEOUT_MS, maxPayload: 1024 * 1024})
    this.ws = ws
    let reason = 'connection closed'
    const welcomeTimer = setTimeout(() => {
      reason = `no welcome within ${WELCOME_TIMEOUT_MS / 1000} s`
      ws.terminate()
    }, WELCOME_TIMEOUT_MS)
    ws.on('ping', () => (this.lastHeard = Date.now()))
    ws.on('message', (data, isBinary) => {
      this.lastHeard = Date.now()
      const message = isBinary ? undefined : parse(data.toString())
      if (!message) return
      if (message.type === 'challenge') {
        const signature = signMessage(this.privateKey, challengeMessage(message.nonce, this.config.coreId, this.config.server.fingerprint))
        ws.send(JSON.stringify({type: 'hello', coreId: this.config.coreId, signature, ...this.events.hello()}))
        return
      }
      if (message.type === 'welcome') {
        clearTimeout(welcomeTimer)
        this.heartbeatMs = message.heartbeatSeconds * 1000
        this.onlineSince = Date.now()
        this.serverUrl = url
        this.startHeartbeat(ws)
        this.setState('online', `connected to ${url}`)
        return
      }
      if (message.type === 'refused') reason = `refused by the server: ${message.message} (${message.code})`
      else if (this.state === 'online') this.events.message(message)
    })
    ws.on('error', (error: Error & {code?: string}) => {
      reason = describe(error)
    })
    ws.on('close', (code) => {
      clearTimeout(welcomeTimer)
      clearInterval(this.heartbeat)
      if (this.ws === ws) this.ws = undefined
      if (this.stopped) return
      if (this.onlineSince) this.reconnect.dropped(Date.now() - this.onlineSince, code === SERVER_GOING_AWAY)
      this.onlineSince = 0
      const delay = this.reconnect.next()
      this.setState('offline', `${reason}${code && code !== 1006 ? ` (${code})` : ''}; retrying in ${(delay / 1000).toFixed(1)} s`)
      this.retryTimer = setTimeout(() => this.connect(), delay)
    })
  }

  private startHeartbeat(ws: WebSocket): void {
    clearInterval(this.heartbeat)
    this.lastHeard = Date.now()
    this.heartbeat = setInterval(() => {
      // A server silent for three heartbeats (no message, no ping) is gone even if TCP has not noticed.
      if (Date.now() - this.lastHeard > 3 * this.heartbeatMs) return ws.terminate()
      this.send(this.heartbeatMessage())
    }, this.heartbeatMs)
  }

  private setState(state: LinkState, detail: string): void {
    this.state = state
    this.events.state(state, detail)
  }
}

function parse(text: string): ServerToCore | undefined {
  try {
    const result = ServerToCore.safeParse(JSON.parse(text))
    return result.success ? result.data : undefined
  } catch {
    return undefined
  }
}

function describe(error: Error & {code?: string; cause?: unknown}): string {
  if (error.name === 'FingerprintMismatch' || /certificate changed/.test(error.message))
    return `REFUSED: the server's certificate is not the one pinned at provisioning (${error.message}); someone may be intercepting the connection`
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(error.code ?? '')) return `REFUSED: the server's certificate is not the one pinned at provisioning (${error.code})`
  return `${error.code ?? ''} ${error.message}`.trim()
}
