/**
 * The server's end of one Core's link. The Core dialled out over TLS 1.3; before anything else the
 * server sends a random challenge, and the Core must answer with its Ed25519 signature over it (bound
 * to this server's certificate fingerprint) within HELLO_TIMEOUT_MS. After that: heartbeats, health
 * and policy-mode reports, and answers to view requests. Silence for three heartbeats ends the link.
 */
import {randomBytes, randomUUID} from 'node:crypto'
import type {WebSocket} from 'ws'

import {type CameraPolicySummary, challengeMessage, CoreToServer, type DecisionMessage, LINK_PROTOCOL, type ServerToCore} from '../../domain/core.js'
import {verifySignature} from '../../core/identity.js'
import type {CoreRow} from '../../store/cores.js'
import type {ServerContext} from '../context.js'

export const HELLO_TIMEOUT_MS = 10_000

/** What the hub does with an authenticated link's messages: one at a time per link, in order. */
export interface LinkHandler {
  authenticated(session: LinkSession, hello: Extract<CoreToServer, {type: 'hello'}>): Promise<void>
  refused(source: string | null, coreId: string | null, code: string, message: string): Promise<void>
  message(session: LinkSession, message: Exclude<CoreToServer, {type: 'hello' | 'view.decision'}>): Promise<void>
  closed(session: LinkSession, detail: string): Promise<void>
}

export class LinkSession {
  core!: CoreRow
  /** What the Core last reported it enforces, per camera. */
  readonly policies = new Map<string, CameraPolicySummary>()
  private readonly pending = new Map<string, {resolve: (d: DecisionMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout}>()
  private lastHeard = Date.now()
  private heartbeatTimer?: NodeJS.Timeout
  private authenticatedAt?: number
  /** The link's work (store writes, audit records) runs one piece at a time, in the order it arrived. */
  private work: Promise<void> = Promise.resolve()

  constructor(
    private readonly ctx: ServerContext,
    private readonly ws: WebSocket,
    readonly source: string | null,
    private readonly handler: LinkHandler,
    private readonly heartbeatSeconds: number,
  ) {}

  get coreId(): string {
    return this.core.id
  }

  start(): void {
    const nonce = randomBytes(32).toString('base64url')
    const helloTimer = setTimeout(() => void this.serially(() => this.refuse(null, 'hello_timeout', `no signed hello within ${HELLO_TIMEOUT_MS} ms`)), HELLO_TIMEOUT_MS)
    this.ws.on('close', (code, reason) => {
      clearTimeout(helloTimer)
      clearInterval(this.heartbeatTimer)
      for (const [, p] of this.pending) {
        clearTimeout(p.timer)
        p.reject(new Error('the Core disconnected'))
      }
      this.pending.clear()
      const detail = `link closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`
      void this.serially(() => (this.authenticatedAt !== undefined ? this.handler.closed(this, detail) : undefined))
    })
    this.ws.on('error', () => this.ws.terminate())
    this.ws.on('pong', () => (this.lastHeard = Date.now()))
    let helloSeen = false
    this.ws.on('message', (data, isBinary) => {
      this.lastHeard = Date.now()
      const message = isBinary ? undefined : parse(data.toString())
      if (message?.type === 'view.decision' && this.authenticatedAt !== undefined) return this.settle(message.requestId, message.decision)
      const first = !helloSeen
      helloSeen = true
      if (first) clearTimeout(helloTimer)
      void this.serially(async () => {
        if (!message) return this.refuse(this.authenticatedAt ? this.coreId : null, 'bad_message', 'a link message did not match the protocol')
        if (first) {
          if (message.type !== 'hello') return this.refuse(null, 'hello_expected', 'the first message must be the signed hello')
          return this.authenticate(nonce, message)
        }
        // Whatever follows a refused hello is not listened to.
        if (this.authenticatedAt === undefined) return
        if (message.type === 'hello') return this.refuse(this.coreId, 'bad_message', 'hello sent twice')
        if (message.type === 'view.decision') return this.settle(message.requestId, message.decision)
        return this.handler.message(this, message)
      })
    })
    this.send({type: 'challenge', protocol: LINK_PROTOCOL, nonce})
  }

  /**
   * Runs fn after the link's earlier work; a failure is logged (the link carries on). Resolves when fn
   * is done.
   */
  serially(fn: () => Promise<void> | void): Promise<void> {
    const done = this.work.then(fn).catch((error: Error) => {
      process.stderr.write(`rtcc server: Core link ${this.core?.id ?? this.source ?? ''}: ${error.stack ?? error.message}\n`)
    })
    this.work = done
    return done
  }

  send(message: ServerToCore): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message))
  }

  /** Sends a view request and waits for the Core's decision. */
  ask(message: Omit<Extract<ServerToCore, {type: 'view.request'}>, 'requestId'>, timeoutMs: number): Promise<DecisionMessage> {
    const requestId = randomUUID()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId)
        reject(new Error(`the Core did not answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(requestId, {resolve, reject, timer})
      this.send({...message, requestId})
    })
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason)
    // A peer that does not finish the closing handshake is cut off.
    setTimeout(() => this.ws.terminate(), 2000).unref()
  }

  private settle(requestId: string, decision: DecisionMessage): void {
    const pending = this.pending.get(requestId)
    if (!pending) return
    clearTimeout(pending.timer)
    this.pending.delete(requestId)
    pending.resolve(decision)
  }

  private async authenticate(nonce: string, hello: Extract<CoreToServer, {type: 'hello'}>): Promise<void> {
    const core = await this.ctx.store.cores.getCore(hello.coreId)
    if (!core) return this.refuse(hello.coreId, 'unknown_core', `no Core ${hello.coreId} is enrolled here`)
    if (!verifySignature(core.public_key, challengeMessage(nonce, core.id, this.ctx.secrets.fingerprint), hello.signature))
      return this.refuse(core.id, 'bad_signature', 'the challenge signature does not verify with this Core\'s enrolled key')
    this.core = core
    this.authenticatedAt = Date.now()
    this.send({type: 'welcome', coreId: core.id, heartbeatSeconds: this.heartbeatSeconds, serverTime: new Date().toISOString()})
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > 3 * this.heartbeatSeconds * 1000) return this.ws.terminate()
      if (this.ws.readyState === this.ws.OPEN) this.ws.ping()
    }, this.heartbeatSeconds * 1000)
    await this.handler.authenticated(this, hello)
  }

  private async refuse(coreId: string | null, code: string, message: string): Promise<void> {
    try {
      await this.handler.refused(this.source, coreId, code, message)
    } finally {
      this.send({type: 'refused', code, message})
      this.close(4401, code)
    }
  }
}

function parse(text: string): CoreToServer | undefined {
  try {
    const result = CoreToServer.safeParse(JSON.parse(text))
    return result.success ? result.data : undefined
  } catch {
    return undefined
  }
}
