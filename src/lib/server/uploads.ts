/**
 * Resumable uploads for the footage-request page: the tus 1.0 protocol (@tus/server) at /v1/uploads.
 * A dropped home connection resumes where the server's copy ends (HEAD gives the offset, PATCH sends
 * the rest). Each call carries the request token header, like the CLI; an upload belongs to the
 * request whose token created it, and any other token gets a 404.
 *
 * Partial bytes wait in <data dir>/uploads (owner-only, like the rest of the data dir) only until the
 * last byte arrives: then the file goes through the same ingest as a CLI upload (encrypted, hashed,
 * probed as video) and the partial copy is removed, whatever the outcome. Abandoned uploads expire
 * after UPLOAD_EXPIRY and are swept on the server's timer, so nothing half-stored stays.
 */
import {randomBytes} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import {FileStore} from '@tus/file-store'
import {Server as TusServer} from '@tus/server'
import type {FastifyReply, FastifyRequest} from 'fastify'

import {REQUEST_TOKEN_HEADER} from '../domain/requests.js'
import {RtccError} from '../errors.js'
import {uploadEvidence} from '../services/evidence.js'
import {answerableRequest, type Answerer} from '../services/requests.js'
import type {ServiceContext} from '../services/context.js'
import {HttpError, notFound} from './http-error.js'

export const UPLOADS_PATH = '/v1/uploads'
/** How long an unfinished upload may wait for its next byte before the sweep removes it. */
export const UPLOAD_EXPIRY_MS = 24 * 3600 * 1000
/** Set by the route on the Request it hands to tus: the request the caller's token opens. */
const REQUEST_HEADER = 'x-rtcc-answering'

interface Finishing {
  ctx: ServiceContext
  who: Answerer
  source: string | null
}

// @tus/file-store creates its folder from its constructor with a callback that throws when that fails (the
// data dir removed meanwhile): an uncaught exception that would take the server down. open() creates the
// folder, awaited, before the store exists, so the store's own attempt is skipped.
// @ts-expect-error -- overrides FileStore's private checkOrCreateDirectory
class ExistingFolderFileStore extends FileStore {
  override checkOrCreateDirectory(): void {}
}

export class UploadEndpoint {
  private readonly tus: TusServer
  private readonly store: ExistingFolderFileStore
  /** The call whose PATCH may finish an upload, by upload id, so the ingest runs in that call's audited context. */
  private readonly finishing = new Map<string, Finishing>()

  private constructor(readonly directory: string, maxBytes: number) {
    this.store = new ExistingFolderFileStore({directory, expirationPeriodInMilliseconds: UPLOAD_EXPIRY_MS})
    this.tus = new TusServer({
      path: UPLOADS_PATH,
      datastore: this.store,
      maxSize: maxBytes,
      relativeLocation: true,
      disableTerminationForFinishedUploads: true,
      namingFunction: () => `upl_${randomBytes(16).toString('hex')}`,
      onUploadCreate: async (req, upload) => ({metadata: {...upload.metadata, requestId: req.headers.get(REQUEST_HEADER)}}),
      onUploadFinish: (_req, upload) => this.ingest(upload.id, upload.metadata ?? {}),
    })
  }

  static async open(dataDir: string, maxBytes: number): Promise<UploadEndpoint> {
    const directory = join(dataDir, 'uploads')
    await mkdir(directory, {recursive: true, mode: 0o700})
    return new UploadEndpoint(directory, maxBytes)
  }

  /** One tus call (POST, HEAD, PATCH, DELETE) from a fastify route, after the token check. */
  async handle(ctx: ServiceContext, req: FastifyRequest, reply: FastifyReply, uploadId?: string): Promise<FastifyReply> {
    const token = req.headers[REQUEST_TOKEN_HEADER]
    const who: Answerer = {token: typeof token === 'string' && token ? token : undefined}
    if (!who.token) throw notFound('upload')
    const {row} = await answerableRequest(ctx, who)
    if (uploadId) {
      const upload = await this.store.getUpload(uploadId).catch(() => undefined)
      if (!upload || upload.metadata?.requestId !== row.id) throw notFound(`upload ${uploadId}`)
      ctx.note({target: uploadId, detail: {requestId: row.id, offset: upload.offset, size: upload.size ?? null}})
    } else {
      const metadata = parseMetadata(req.headers['upload-metadata'])
      const cameras = await ctx.store.requests.requestCameras(row.id)
      if (!cameras.some((c) => c.cameraId === metadata.camera)) throw new HttpError(400, 'invalid', `camera ${metadata.camera ?? '(none)'} is not part of this request`, 'camera')
    }
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== REQUEST_HEADER) headers.set(name, value)
    headers.set(REQUEST_HEADER, row.id)
    const body = req.method === 'PATCH' && req.body instanceof Readable ? (Readable.toWeb(req.body) as ReadableStream) : undefined
    const request = new Request(`https://rtcc.invalid${req.url}`, {method: req.method, headers, body, duplex: 'half'} as RequestInit)
    if (uploadId) this.finishing.set(uploadId, {ctx, who, source: req.ip})
    let response: Response
    try {
      response = await this.tus.handleWeb(request)
    } finally {
      if (uploadId) this.finishing.delete(uploadId)
    }
    reply.code(response.status)
    response.headers.forEach((value, name) => void reply.header(name, value))
    const text = await response.text()
    return reply.send(text || undefined)
  }

  /** The last byte is in: ingest the file as evidence (encrypted, hashed, probed), then drop the partial copy. */
  private async ingest(id: string, metadata: Record<string, string | null>) {
    const call = this.finishing.get(id)
    try {
      if (!call) throw new Error(`upload ${id} finished outside a call`)
      const receipt = await uploadEvidence(call.ctx, call.who, {
        camera: metadata.camera ?? undefined,
        fileName: metadata.filename ?? undefined,
        body: createReadStream(join(this.directory, id)),
        source: call.source,
      })
      return {status_code: 200, headers: {'content-type': 'application/json; charset=utf-8'}, body: JSON.stringify({...receipt, fileName: metadata.filename ?? null, receivedAt: call.ctx.now().toISOString()})}
    } catch (error) {
      // tus sends status_code and body of what is thrown; the page shows the message.
      const status = error instanceof HttpError ? error.statusCode : error instanceof RtccError ? 422 : 500
      throw {status_code: status, body: JSON.stringify({error: {code: (error as {code?: string}).code ?? 'invalid', message: (error as Error).message}})}
    } finally {
      await this.store.remove(id).catch(() => undefined)
    }
  }

  /** Remove uploads nobody finished within UPLOAD_EXPIRY_MS (run on the server's timer). */
  sweep(): Promise<number> {
    return this.tus.cleanUpExpiredUploads()
  }
}

/** tus Upload-Metadata: `key base64value,key2 base64value2`. */
function parseMetadata(header: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of String(header ?? '').split(',')) {
    const [key, value] = pair.trim().split(' ')
    if (key) out[key] = Buffer.from(value ?? '', 'base64').toString('utf8')
  }
  return out
}
