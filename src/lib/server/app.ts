/**
 * The bundled server: fastify over TLS 1.3 only, every request audited, JSON errors without stack traces,
 * public routes rate-limited per source address.
 */
import rateLimit from '@fastify/rate-limit'
import Fastify, {type FastifyError, type FastifyInstance} from 'fastify'
import {randomUUID} from 'node:crypto'
import {join} from 'node:path'
import type {Server as TlsServer} from 'node:tls'

import {AuditLog} from '../audit/log.js'
import {openBlobStore} from '../evidence/open-blob-store.js'
import type {S3BlobStoreOptions} from '../evidence/s3-blob-store.js'
import {DEFAULT_MAX_UPLOAD_BYTES, EvidenceStore} from '../evidence/store.js'
import {createMailer, outboxDir} from '../mail/mailer.js'
import {openStore} from '../store/open.js'
import type {ServerContext} from './context.js'
import {attachCoreLink, CoreHub} from './core-link/index.js'
import {prepareDataDir, type ServerSecrets} from './data-dir.js'
import {useServerGcFlags} from './gc-flags.js'
import {type EventHub, InProcessEventHub} from './events/hub.js'
import {Bus, NatsEventHub, parseBusUrl} from '../bus/nats.js'
import {sealPlainMfaSecrets} from './mfa.js'
import {httpStatusOf, RtccError} from '../errors.js'
import {HttpError} from './http-error.js'
import {expireDue} from '../services/requests.js'
import {auditInput, outcomeForStatus, type RateLimit, registerRoute, routeKey} from './route.js'
import {allRoutes} from './routes/index.js'
import {databaseRateLimitStore} from './rate-limit-store.js'
import {type LoadedTls, loadTlsFiles, type TlsFiles} from './tls-files.js'
import {UploadEndpoint} from './uploads.js'
import {webSecurityHeaders} from './web/index.js'

export const BODY_LIMIT = 1024 * 1024
const TLS_VERSIONS = {minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3'} as const
const pick = ({certPem, keyPem, fingerprint}: LoadedTls) => ({certPem, keyPem, fingerprint})

export interface StartOptions {
  dataDir: string
  host?: string
  port?: number
  version: string
  /** Records per signed checkpoint (default 1000). */
  checkpointEvery?: number
  /** `smtp://…` / `smtps://…` for outgoing mail; default: .eml files in <dataDir>/outbox. */
  smtpUrl?: string
  /** Largest evidence upload in bytes. */
  maxUploadBytes?: number
  /** A postgres:// URL to run on PostgreSQL (default: RTCC_DATABASE_URL, else SQLite in the data dir). */
  database?: string
  /** A nats:// URL: events (and Core routing) on NATS JetStream, shared by every instance (default: RTCC_BUS_URL, else in-process). */
  bus?: string
  /** Where evidence blobs go: `s3://BUCKET/PREFIX?endpoint=…&region=…` (default: RTCC_EVIDENCE_URL, else `<dataDir>/evidence`). */
  evidence?: string
  /** Multipart tuning for an s3:// evidence store (tests use the 5 MiB minimum part size). */
  s3?: S3BlobStoreOptions
  /** Replaces routes' own rate limits, by `METHOD /url` as declared (e.g. `POST /v1/auth/login`). */
  rateLimits?: Record<string, RateLimit>
  log?: (line: string) => void
  /** A CA-issued certificate and key (PEM, leaf then chain) instead of the data dir's self-signed one; re-read by reloadTls(). */
  tls?: TlsFiles
  /** The URL owners and agencies reach (`https://rtcc.example.org`), used in every mailed link; default the listening URL. */
  publicUrl?: string
}

export interface RunningServer {
  url: string
  fingerprint: string
  /** Where evidence blobs are kept: `local folder …` or `s3://bucket/prefix/ (…)`. */
  evidenceStore: string
  ctx: ServerContext
  app: FastifyInstance
  /** Re-read the --tls-cert/--tls-key files and use them for new handshakes; open connections stay up. */
  reloadTls(): {fingerprint: string}
  /** Finish in-flight requests, sign a checkpoint, close the database. */
  close(): Promise<void>
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  useServerGcFlags()
  // A mistyped bus URL is refused before anything is created or opened.
  const busUrl = options.bus ?? process.env.RTCC_BUS_URL
  const busAddress = busUrl ? parseBusUrl(busUrl) : undefined
  const secrets = await prepareDataDir(options.dataDir)
  // Before the database: a wrong evidence URL fails the start with nothing left open.
  const blobs = await openBlobStore(secrets.dir, options.evidence ?? (process.env.RTCC_EVIDENCE_URL || undefined), options.s3)
  if (options.tls) Object.assign(secrets, pick(loadTlsFiles(options.tls)))
  const store = await openStore({dataDir: secrets.dir, databaseUrl: options.database, backgroundCheckpoints: true})
  const now = () => new Date()
  const bus = busAddress ? await Bus.connect(busAddress) : undefined
  let events: EventHub = new InProcessEventHub(store, now)
  if (bus) {
    const shared = new NatsEventHub(bus, now)
    await shared.start()
    events = shared
  }
  const parts: Omit<ServerContext, 'cores'> = {
    store,
    secrets,
    version: options.version,
    now,
    url: '',
    openStreams: new Set(),
    mailer: await createMailer({smtpUrl: options.smtpUrl ?? process.env.RTCC_SMTP_URL, outboxDir: outboxDir(secrets.dir)}),
    evidence: new EvidenceStore(blobs.blobs, secrets.masterKey, {maxBytes: options.maxUploadBytes}),
    uploads: await UploadEndpoint.open(secrets.dir, options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES),
    audit: await AuditLog.open(store, {
      origin: secrets.origin,
      signer: {name: secrets.origin, privateKey: secrets.signingKey, publicKey: secrets.publicKey},
      checkpointEvery: options.checkpointEvery ?? 1000,
      // Outside the database: deleting checkpoint rows no longer goes unnoticed at the next start.
      checkpointFile: join(secrets.dir, 'audit-checkpoint.note'),
    }),
    events,
    bus,
  }
  // The Core hub reaches the rest of the context (store, events, keys), and the context holds it.
  const ctx = parts as ServerContext
  ctx.cores = new CoreHub(ctx)
  await sealPlainMfaSecrets(ctx.store, secrets.mfaKey)
  const app = await buildApp(ctx, secrets, options.rateLimits ?? {})
  await store.cameras.warmNearIndex() // the first `registry near` after a start is as fast as the rest
  const host = options.host ?? '127.0.0.1'
  await app.listen({host, port: options.port ?? 8443})
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`
  ctx.url = options.publicUrl?.replace(/\/$/, '') ?? url
  const expiry = setInterval(() => {
    expireDue(ctx).catch((error: Error) => process.stderr.write(`rtcc server: expiring footage requests failed: ${error.stack ?? error.message}\n`))
    ctx.uploads.sweep().catch((error: Error) => process.stderr.write(`rtcc server: sweeping abandoned uploads failed: ${error.message}\n`))
  }, 60_000)
  expiry.unref()
  let closing: Promise<void> | undefined
  return {
    url,
    get fingerprint() {
      return secrets.fingerprint
    },
    evidenceStore: blobs.description,
    ctx,
    app,
    reloadTls: () => {
      if (!options.tls) throw new RtccError('the server runs on its own self-signed certificate: there are no --tls-cert/--tls-key files to reload', {code: 'no_tls_files'})
      const loaded = pick(loadTlsFiles(options.tls))
      ;(app.server as unknown as TlsServer).setSecureContext({key: loaded.keyPem, cert: loaded.certPem, ...TLS_VERSIONS})
      Object.assign(secrets, loaded)
      return {fingerprint: loaded.fingerprint}
    },
    close: () =>
      (closing ??= (async () => {
        clearInterval(expiry)
        const closed = app.close()
        for (const stream of ctx.openStreams) stream.end()
        await closed
        // Events published by the last requests (and the Cores' goodbyes) are stored before the store closes.
        await ctx.events.drain()
        if (events instanceof NatsEventHub) await events.stop()
        await bus?.close()
        ctx.mailer.close()
        await ctx.audit.checkpoint()
        await store.close()
        blobs.close()
      })()),
  }
}

async function buildApp(ctx: ServerContext, secrets: ServerSecrets, rateLimits: Record<string, RateLimit>): Promise<FastifyInstance> {
  const app = Fastify({
    https: {key: secrets.keyPem, cert: secrets.certPem, ...TLS_VERSIONS},
    bodyLimit: BODY_LIMIT,
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    logger: false,
    trustProxy: false,
  })

  app.decorateRequest('rtcc', null as never)
  // Uploads (imports, evidence) are streamed to their handler, never buffered by fastify.
  app.addContentTypeParser(['application/octet-stream', 'application/offset+octet-stream'], (_req, payload, done) => done(null, payload))
  app.addHook('onRequest', async (req) => {
    req.rtcc = {audited: false, action: (req.routeOptions.config as {action?: string})?.action ?? `http.${req.method.toLowerCase()}`}
  })

  // Anything not audited inside its handler's transaction (denials, validation errors, public reads)
  // is recorded here, before the response leaves; failing to record fails the request.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.rtcc.audited) return payload
    try {
      const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : Buffer.isBuffer(payload) ? payload.length : null
      const target = req.rtcc.target ?? (reply.statusCode === 404 && !req.routeOptions.url ? req.url.split('?')[0] : undefined)
      await ctx.audit.append(auditInput(ctx, req, {outcome: outcomeForStatus(reply.statusCode), target, detail: req.rtcc.detail, bytesOut: bytes})) // alone: usually one statement
      req.rtcc.audited = true
      return payload
    } catch {
      reply.code(500).type('application/json; charset=utf-8')
      return JSON.stringify({error: {code: 'audit_unavailable', message: 'the audit log could not be written, so the request was refused'}})
    }
  })

  app.addHook('onResponse', async () => {
    await ctx.audit.afterCommit()
  })

  app.setErrorHandler((error: FastifyError | HttpError | RtccError, req, reply) => {
    // A streamed response that failed before its first byte (e.g. evidence failing its integrity
    // check) had set a binary content type and length: the error goes out as JSON instead.
    reply.removeHeader('content-length').removeHeader('x-rtcc-sha256').type('application/json; charset=utf-8')
    if (error instanceof RtccError) {
      return reply.code(httpStatusOf(error)).send({error: {code: error.code, message: error.message, details: error.hint}})
    }
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send({error: {code: error.code, message: error.message, field: error.field, details: error.details}})
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) {
      process.stderr.write(`rtcc server: request ${req.id} failed: ${error.stack ?? error.message}\n`)
      return reply.code(500).send({error: {code: 'internal', message: `internal error (request id ${req.id}); the server log has details`}})
    }
    return reply.code(status).send({error: {code: (error.code ?? 'invalid').toLowerCase(), message: error.message}})
  })

  webSecurityHeaders(app)

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({error: {code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`}})
  })

  // Only routes that declare a limit get one (global: false). A refusal is thrown into the error
  // handler below, so it is a JSON error like any other and is audited by onSend.
  await app.register(rateLimit, {
    global: false,
    // Several instances on one PostgreSQL database count together; one SQLite server counts in memory.
    store: ctx.store.backend === 'postgres' ? databaseRateLimitStore(ctx.store) : undefined,
    errorResponseBuilder: (req, context) => {
      req.rtcc.detail = {reason: 'rate limited', limit: context.max}
      return new HttpError(429, 'rate_limited', `too many requests to ${req.method} ${req.routeOptions.url} from ${req.ip}: at most ${context.max} per ${duration(req.routeOptions.config.rateLimit)}; try again in ${context.after}`, undefined, {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      })
    },
  })
  for (const route of allRoutes) {
    if (route.roles === 'public' && !route.rateLimit) throw new Error(`public route ${routeKey(route)} declares no rateLimit`)
    registerRoute(app, ctx, route, rateLimits[routeKey(route)] ?? route.rateLimit)
  }
  // Core links and their video arrive as WebSocket upgrades on this same TLS socket.
  await attachCoreLink(app, ctx)
  return app
}

/** A rate limit's window in words: `minute`, `15 minutes`, `hour`, `30 seconds`. */
function duration(limit: unknown): string {
  const seconds = ((limit as {timeWindow?: number} | undefined)?.timeWindow ?? 0) / 1000
  const [n, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second']
  return n === 1 ? unit : `${n} ${unit}s`
}
