/**
 * Recorded-video questions to Cores: a list or pull goes out on the Core's link and waits for its
 * answer; a pull carries a one-time upload token, with which the Core sends the clip it cut over HTTPS
 * (streamed encrypted into the evidence store) before it answers with the clip's manifest. The
 * server only asks and receives: whether anything is released is the Core's decision. A clip whose
 * pull is not completed (timeout, refusal, the Core gone) is deleted.
 */
import {randomBytes, randomUUID} from 'node:crypto'
import type {Readable} from 'node:stream'

import type {CoreToServer, RecordingAnswerMessage, RecordingRequestMessage} from '../../domain/core.js'
import {ingestVideo, type IngestedVideo} from '../../evidence/ingest.js'
import type {ServerContext} from '../context.js'
import {HttpError} from '../http-error.js'
import {autoAnswer} from '../../services/recordings.js'
import {auditNow} from './audit.js'
import type {LinkSession} from './link-session.js'

export interface RecordingReply {
  answer: RecordingAnswerMessage
  /** The clip the Core uploaded (pull only). */
  clip?: IngestedVideo
}

interface Pending {
  coreId: string
  token?: string
  upload?: Promise<IngestedVideo>
  resolve: (answer: RecordingAnswerMessage) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

export const RECORDING_TIMEOUT_MS = {list: 15_000, pull: 300_000}

export class RecordingExchange {
  private readonly pending = new Map<string, Pending>()
  private readonly tokens = new Map<string, string>()
  /** Cameras whose Core (connected now) answers footage requests automatically. */
  private readonly autoAnswer = new Map<string, {coreId: string}>()
  private unsubscribe = () => {}

  constructor(
    private readonly ctx: ServerContext,
    private readonly background: (work: Promise<unknown>) => void,
  ) {}

  /** A newly issued request naming an auto-answer camera is answered from its Core. */
  start(): void {
    this.unsubscribe = this.ctx.events.subscribe((event) => {
      if (event.type === 'request.issued' && typeof event.data.requestId === 'string') this.background(this.answerIssued(event.data.requestId))
    })
  }

  close(): void {
    this.unsubscribe()
  }

  private async answerIssued(requestId: string): Promise<void> {
    const cameras = await this.ctx.store.requests.requestCameras(requestId)
    for (const camera of cameras) if (this.autoAnswer.has(camera.cameraId)) await autoAnswer(this.ctx, requestId, camera.cameraId)
  }

  /** Sends a list or pull to the Core and waits for its answer (and, for a pull, the uploaded clip). */
  async ask(session: LinkSession, question: Omit<RecordingRequestMessage, 'type' | 'requestId' | 'uploadToken'>): Promise<RecordingReply> {
    const requestId = randomUUID()
    const token = question.op === 'pull' ? `rtcc_u_${randomBytes(32).toString('base64url')}` : undefined
    const timeoutMs = RECORDING_TIMEOUT_MS[question.op]
    const answered = new Promise<RecordingAnswerMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new HttpError(504, 'core_timeout', `the Core did not answer within ${timeoutMs / 1000} s`)), timeoutMs)
      this.pending.set(requestId, {coreId: session.coreId, token, resolve, reject, timer})
    })
    if (token) this.tokens.set(token, requestId)
    session.send({type: 'recording.request', requestId, ...question, ...(token ? {uploadToken: token} : {})})
    const entry = this.pending.get(requestId)!
    try {
      const answer = await answered
      const clip = entry.upload ? await entry.upload : undefined
      if (clip && !answer.manifest) await this.ctx.evidence.delete(clip.id)
      return {answer, clip: answer.manifest ? clip : undefined}
    } catch (error) {
      const clip = await entry.upload?.catch(() => undefined)
      if (clip) await this.ctx.evidence.delete(clip.id)
      throw error
    } finally {
      clearTimeout(entry.timer)
      this.pending.delete(requestId)
      if (token) this.tokens.delete(token)
    }
  }

  /** The Core's clip for a pull, on its one-time token (used up by this call). */
  receive(token: string, body: Readable): Promise<IngestedVideo> {
    const requestId = this.tokens.get(token)
    const entry = requestId ? this.pending.get(requestId) : undefined
    if (!entry || entry.upload) throw new HttpError(401, 'upload_token', 'unknown or used upload token')
    this.tokens.delete(token)
    entry.upload = ingestVideo(this.ctx.evidence, body, {label: 'the recorded clip'})
    return entry.upload
  }

  answered(session: LinkSession, answer: RecordingAnswerMessage): void {
    const entry = this.pending.get(answer.requestId)
    // Only the Core that was asked may answer.
    if (entry?.coreId === session.coreId) entry.resolve(answer)
  }

  /** The Core's cameras that record are shown as recording, with their retention, in the registry. */
  async status(session: LinkSession, message: Extract<CoreToServer, {type: 'recording.status'}>): Promise<void> {
    const own = new Set(await this.ctx.store.cores.coreCameraIds(session.coreId))
    const cameras = message.cameras.filter((c) => own.has(c.cameraId))
    for (const [cameraId, entry] of [...this.autoAnswer]) if (entry.coreId === session.coreId) this.autoAnswer.delete(cameraId)
    for (const c of cameras) if (c.on && c.autoAnswer) this.autoAnswer.set(c.cameraId, {coreId: session.coreId})
    await auditNow(
      this.ctx,
      {action: 'core.recording_status', outcome: 'allowed', actorId: session.coreId, actorName: `core ${session.core.name}`, role: 'core', target: session.coreId, source: session.source, detail: {cameras}},
      async () => {
        for (const c of cameras) await this.ctx.store.cameras.updateCamera(c.cameraId, {records: c.on, retentionDays: c.on ? Math.max(1, Math.round(c.retentionDays)) : null})
      },
    )
  }

  coreGone(coreId: string): void {
    for (const [cameraId, entry] of [...this.autoAnswer]) if (entry.coreId === coreId) this.autoAnswer.delete(cameraId)
    for (const entry of this.pending.values()) if (entry.coreId === coreId) entry.reject(new HttpError(503, 'core_offline', 'the Core disconnected before it answered'))
  }
}
