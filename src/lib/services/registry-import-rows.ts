/**
 * Parsing and validation of an import run in a worker thread (registry-import-worker.ts), so they
 * overlap the rest of the import (2 cores: roughly the slower side instead of the sum) and the main
 * thread stays free for other requests. The body's chunks go in as they arrive; valid rows come back
 * in batches, which the main thread stages while the worker parses the next (parsing and staging each
 * take about half of a row's time), packed for a cheap structured clone: one flat array of field
 * values (about half the cost of cloning objects), raw cells only for rows the main thread may
 * report. Both directions are bounded (bytes in flight, batches in flight), so memory stays flat
 * whatever the file size and however slow either side is.
 *
 * Workers are pooled: one that finished an import cleanly waits (unref'd: it never keeps the process
 * alive) for the next, so an import pays the worker's start-up (and, run from TypeScript sources,
 * tsx's) once per process, not once per import. Concurrent imports each take a worker of their own (a
 * pool, not a queue: a queued upload would stall its client behind another whole file); one that
 * failed or was stopped mid-file is terminated, never reused.
 */
import type {EventEmitter} from 'node:events'
import {Worker} from 'node:worker_threads'

import type {CameraInput} from '../domain/camera.js'
import type {ImportedReject} from '../domain/registry-import.js'
import {RtccError, type RtccErrorOptions} from '../errors.js'
import type {AreaGeometry} from '../registry/geo.js'
import type {ImportOptions} from '../registry/import.js'
import type {ByteSource} from '../registry/text-input.js'
import {HttpError} from '../server/http-error.js'

/** CameraInput's fields in the order a packed batch carries them. */
export const CAMERA_FIELDS = [
  'source', 'externalId', 'ownerEmail', 'ownerName', 'ownerOrganisation', 'ownerPhone', 'name', 'latitude', 'longitude', 'address',
  'locationType', 'make', 'model', 'viewDescription', 'viewDirection', 'fieldOfView', 'records', 'retentionDays', 'liveCapable', 'tags',
] as const satisfies readonly (keyof CameraInput)[]
const WIDTH = CAMERA_FIELDS.length

/**
 * Rows per batch: large enough that a message's fixed cost vanishes, small enough to stage in a
 * millisecond or two (1M rows through the CLI: 1024 and 256 were no faster, 1024 cost 30 MB of RSS).
 */
export const BATCH_ROWS = 512
/**
 * Batches the worker may have sent and the main thread not yet staged: enough to carry the worker
 * through the main thread's other work (at 4 the worker waited: 300k rows 2.9 s instead of 2.7 s
 * on a busy machine), a few MB at most.
 */
export const BATCHES_IN_FLIGHT = 8
/** Body bytes the main thread may have sent and the worker not yet parsed. */
const BYTES_IN_FLIGHT = 4 * 2 ** 20
/**
 * Body bytes the worker takes before saying so (and always before it waits for more, so the main
 * thread never waits on bytes already taken): each message can wake the main thread, which costs the
 * worker 10-250 µs of its time on a busy machine (one per 64 KB piece came to 0.3-0.9 µs per row).
 */
export const PULLED_REPORT_BYTES = BYTES_IN_FLIGHT / 4
/** Body bytes gathered into one message to the worker. */
const PIECE_BYTES = 2 ** 16
/**
 * The worker holds a record, a batch and its key hashes (outside the heap); left to V8's defaults its
 * heap grows to hundreds of MB between collections, which shows in the server's peak RSS (an old
 * generation of 32 MB is too tight: a million-row import then runs five times slower). Its young
 * generation is another matter: each row leaves about 2 KB of garbage, and at 8 MB the scavenges
 * cost about a tenth more wall time; 16 MB takes that away, and each MB above it is an MB of peak RSS
 * (32 MB: 16 MB more, for no measurable gain).
 */
const WORKER_HEAP = {maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16}

export interface RowBatch {
  /** Valid rows to stage: their row numbers, and their cameras packed (CAMERA_FIELDS order, row after row). */
  rows: number[]
  fields: unknown[]
  /** Raw cells of valid rows whose key the worker saw earlier in the file: only these can turn out to be duplicates. */
  suspects: [row: number, raw: ImportedReject['raw']][]
  /** Rows not to stage, in file order: rejects, and rows naming an owner-registered camera (checked by the main thread). */
  others: ({reject: ImportedReject} | {owner: CameraInput; row: number; raw: ImportedReject['raw']})[]
}

/**
 * packCamera and unpackCamera are written out field by field, in CAMERA_FIELDS order (the round trip is
 * tested): named loads and one literal, where a loop over the names costs a keyed load or store per
 * field, on the worker and the main thread, for every valid row.
 */
export function packCamera(c: CameraInput, into: unknown[]): void {
  into.push(
    c.source, c.externalId, c.ownerEmail, c.ownerName, c.ownerOrganisation, c.ownerPhone, c.name, c.latitude, c.longitude, c.address, c.locationType,
    c.make, c.model, c.viewDescription, c.viewDirection, c.fieldOfView, c.records, c.retentionDays, c.liveCapable, c.tags,
  )
}

/** The index'th camera of a packed batch. */
export function unpackCamera(f: readonly unknown[], index: number): CameraInput {
  const at = index * WIDTH
  return {
    source: f[at], externalId: f[at + 1], ownerEmail: f[at + 2], ownerName: f[at + 3], ownerOrganisation: f[at + 4], ownerPhone: f[at + 5],
    name: f[at + 6], latitude: f[at + 7], longitude: f[at + 8], address: f[at + 9], locationType: f[at + 10], make: f[at + 11], model: f[at + 12],
    viewDescription: f[at + 13], viewDirection: f[at + 14], fieldOfView: f[at + 15], records: f[at + 16], retentionDays: f[at + 17],
    liveCapable: f[at + 18], tags: f[at + 19],
  } as CameraInput
}

/** What the worker needs: readCameras' options (the column map still as the client sent it) and the jurisdiction, if any. */
export interface WorkerInput {
  read: Omit<ImportOptions, 'map' | 'onColumns' | 'rejectDuplicates'> & {map?: unknown}
  jurisdiction?: {name: string; area: AreaGeometry}
}

/** Main → worker. */
export type ToWorker = {start: WorkerInput} | {chunk: Uint8Array | string} | {end: true} | {ack: true}
/** Worker → main. */
export type FromWorker = {pulled: number} | {headers: string[]} | {batch: RowBatch} | {done: true} | {error: WireError}

export type WireError = {kind: 'rtcc'; message: string; options: RtccErrorOptions} | {kind: 'http'; statusCode: number; code: string; message: string; field?: string} | {kind: 'other'; message: string; stack?: string}

export function toWire(error: unknown): WireError {
  if (error instanceof RtccError) return {kind: 'rtcc', message: error.message, options: {code: error.code, exitCode: error.exitCode, where: error.where, hint: error.hint}}
  if (error instanceof HttpError) return {kind: 'http', statusCode: error.statusCode, code: error.code, message: error.message, field: error.field}
  return {kind: 'other', message: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack}
}

function fromWire(wire: WireError): Error {
  if (wire.kind === 'rtcc') return new RtccError(wire.message, wire.options)
  if (wire.kind === 'http') return new HttpError(wire.statusCode, wire.code, wire.message, wire.field)
  return Object.assign(new Error(wire.message), {stack: wire.stack})
}

/**
 * The worker's module. From dist/ it is plain JavaScript; run from source (tests, tsx) it is
 * TypeScript, which a worker can only load once tsx's loader is registered in it (execArgv's
 * `--import` does not reach worker threads), hence the small bootstrap.
 */
function startWorker(): Worker {
  const options = {resourceLimits: WORKER_HEAP}
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./registry-import-worker.js', import.meta.url), options)
  const source = new URL('./registry-import-worker.ts', import.meta.url).href
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}) })`, {...options, eval: true})
}

/** Idle workers kept for later imports (one per core covers two imports at once). */
const MAX_IDLE = 2
const idle = new Set<Worker>()

function takeWorker(): Worker {
  const [worker] = idle
  if (worker) {
    idle.delete(worker)
    worker.ref()
    return worker
  }
  const fresh = startWorker()
  // Should an idle worker fail or exit, it just leaves the pool (a busy one's import hears it too).
  fresh.on('error', () => idle.delete(fresh))
  fresh.on('exit', () => idle.delete(fresh))
  return fresh
}

/** The thread ids of the pooled workers waiting for an import (for tests). */
export const idleImportWorkers = (): number[] => [...idle].map((worker) => worker.threadId)

async function putBack(worker: Worker, reusable: boolean): Promise<void> {
  if (reusable && idle.size < MAX_IDLE) {
    worker.unref()
    idle.add(worker)
  } else await worker.terminate()
}

/**
 * Streams `body` through a worker running readCameras and yields its row batches in file order.
 * Throws what the worker threw (the same RtccError for a bad file), or what reading the body threw.
 * Acknowledging a batch (taking the next one) lets the worker send another.
 */
export async function* readRowBatches(
  body: ByteSource,
  input: WorkerInput,
  onHeaders: (headers: string[]) => void,
): AsyncGenerator<RowBatch> {
  const worker = takeWorker()
  const inbox: FromWorker[] = []
  let failure: {error: unknown} | undefined
  let finished = false
  // Two parties wait: the body pump (for the worker to pull) and the reader (for a message).
  let waiting: (() => void)[] = []
  const notify = () => {
    for (const resolve of waiting) resolve()
    waiting = []
  }
  const next = () => new Promise<void>((resolve) => waiting.push(resolve))
  const fail = (error: unknown) => {
    failure ??= {error}
    notify()
  }
  let inFlight = 0
  const onMessage = (message: FromWorker) => {
    if ('pulled' in message) inFlight -= message.pulled
    else inbox.push(message)
    notify()
  }
  const onExit = (code: number) => fail(new Error(`the import worker stopped (exit code ${code})`))
  worker.on('message', onMessage)
  worker.on('error', fail)
  worker.on('exit', onExit)
  worker.postMessage({start: input} satisfies ToWorker)
  // A stream that fails while the pump waits for the worker (up to BYTES_IN_FLIGHT ahead of it) says
  // so at once: a cut upload stops the import now, not after the bytes already sent are parsed.
  const emitter = typeof (body as Partial<EventEmitter>).once === 'function' ? (body as unknown as EventEmitter) : undefined
  emitter?.once('error', fail)
  let stopped = false
  // A socket's chunks can be a few KB each: gathered into pieces of at least PIECE_BYTES, the bytes
  // cross in a few hundred messages per 100 MB instead of tens of thousands (each costs both threads).
  let gathered: Uint8Array[] = []
  let gatheredBytes = 0
  const post = (chunk: Uint8Array | string) => {
    inFlight += typeof chunk === 'string' ? chunk.length : chunk.byteLength
    // A piece owns its buffer (cloning a view would clone all of the pool or file it views): it moves over.
    if (typeof chunk === 'string') worker.postMessage({chunk} satisfies ToWorker)
    else worker.postMessage({chunk} satisfies ToWorker, [chunk.buffer as ArrayBuffer])
  }
  const flush = () => {
    if (gatheredBytes > 0) {
      // Its own buffer (Buffer.concat may hand out a slice of the shared pool, which must not move).
      const piece = new Uint8Array(gatheredBytes)
      let at = 0
      for (const chunk of gathered) {
        piece.set(chunk, at)
        at += chunk.byteLength
      }
      post(piece)
    }
    gathered = []
    gatheredBytes = 0
  }
  const pump = async () => {
    try {
      for await (const chunk of body) {
        if (stopped) return
        if (typeof chunk === 'string') {
          flush()
          post(chunk)
        } else {
          gathered.push(chunk)
          gatheredBytes += chunk.byteLength
          if (gatheredBytes >= PIECE_BYTES) flush()
        }
        while (inFlight > BYTES_IN_FLIGHT && !stopped && !failure) await next()
      }
      flush()
      if (!stopped) worker.postMessage({end: true} satisfies ToWorker)
    } catch (error) {
      fail(error)
    }
  }
  const pumping = pump()
  try {
    for (;;) {
      if (failure) throw failure.error
      const message = inbox.shift()
      if (!message) {
        await next()
        continue
      }
      if ('error' in message) throw fromWire(message.error)
      if ('done' in message) {
        finished = true
        return
      }
      if ('headers' in message) onHeaders(message.headers)
      else if ('batch' in message) {
        yield message.batch
        worker.postMessage({ack: true} satisfies ToWorker)
      }
    }
  } finally {
    stopped = true
    notify()
    emitter?.off('error', fail)
    worker.off('message', onMessage)
    worker.off('error', fail)
    worker.off('exit', onExit)
    // Only a worker that ran the whole file is reused: any other may be mid-file, or broken.
    await putBack(worker, finished && !failure)
    await pumping
  }
}
