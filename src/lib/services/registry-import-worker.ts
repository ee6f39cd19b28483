/**
 * The import's worker thread (see registry-import-rows.ts), started once and reused import after
 * import: for each, runs readCameras over the body chunks the main thread posts and checks the
 * jurisdiction. Rows go back in batches (valid ones packed), the worker waiting when BATCHES_IN_FLIGHT
 * are unacknowledged: the main thread stages them while this parses the next. Rows repeated within
 * the file are decided by the store (SQLite: at the end of staging; PostgreSQL: a lookup in its staged
 * rows); the worker only marks, by a 64-bit hash of each key, the rows that may repeat one (no false
 * negatives: equal keys hash equally), with their raw cells: the store looks at those rows alone.
 */
import {parentPort} from 'node:worker_threads'

import {parseColumnMap} from '../registry/column-map.js'
import {compileArea} from '../registry/geo.js'
import {readCameras} from '../registry/import.js'
import {OWNER_SOURCE} from '../registry/owner-rows.js'
import {BATCH_ROWS, BATCHES_IN_FLIGHT, packCamera, PULLED_REPORT_BYTES, toWire, type FromWorker, type RowBatch, type ToWorker, type WorkerInput} from './registry-import-rows.js'

/**
 * An open-addressing set of 64-bit key hashes (two 32-bit FNV-1a variants) in one Int32Array: about
 * 16 bytes per row at most, where a Set of key strings would hold every key (~100 bytes per row).
 */
export class KeyHashes {
  private table = new Int32Array(2 ** 17)
  private size = 0

  /** Hash state after `source` (files mostly repeat one source: hashed once). */
  private source = ''
  private seed = [0, 0]

  /** Adds the key; true when its hash was already there. */
  seen(source: string, externalId: string): boolean {
    if (source !== this.source || this.size === 0) {
      this.source = source
      this.seed = KeyHashes.mix(source, 0x811c9dc5, 0x01000193)
    }
    const [h1, h2] = KeyHashes.mix(externalId, this.seed[0]!, this.seed[1]!)
    if (this.size * 4 >= this.table.length) this.grow()
    return this.insert(h1! | 1, h2!) // 0 marks an empty slot
  }

  /** Two 32-bit FNV-1a-style hashes over the text and a terminator (so "ab"+"c" differs from "a"+"bc"). */
  private static mix(text: string, h1: number, h2: number): [number, number] {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 0x01000193)
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15)
    }
    return [Math.imul(h1 ^ 0xffff, 0x01000193), Math.imul(h2 ^ 0xffff, 0x5bd1e995)]
  }

  private insert(h1: number, h2: number): boolean {
    const mask = this.table.length / 2 - 1
    for (let slot = (h1 ^ (h2 >>> 7)) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 2
      if (this.table[at] === 0) {
        this.table[at] = h1
        this.table[at + 1] = h2
        this.size++
        return false
      }
      if (this.table[at] === h1 && this.table[at + 1] === h2) return true
    }
  }

  private grow(): void {
    const old = this.table
    this.table = new Int32Array(old.length * 2)
    this.size = 0
    for (let at = 0; at < old.length; at += 2) if (old[at] !== 0) this.insert(old[at]!, old[at + 1]!)
  }
}

const port = parentPort!
const post = (message: FromWorker) => port.postMessage(message)

// One import at a time: a start message begins the next one (the main thread sends it only after the last one's done).
let chunks: ToWorker[] = []
let wake: (() => void) | undefined
let unacked = 0
/** Body bytes taken and not yet reported (see PULLED_REPORT_BYTES). */
let unreported = 0
port.on('message', (message: ToWorker) => {
  if ('start' in message) {
    chunks = []
    unacked = 0
    unreported = 0
    importRows(message.start).then(
      () => post({done: true}),
      (error: unknown) => post({error: toWire(error)}),
    )
    return
  }
  if ('ack' in message) unacked--
  else chunks.push(message)
  wake?.()
  wake = undefined
})
const next = () => new Promise<void>((resolve) => (wake = resolve))

function reportPulled(): void {
  if (unreported === 0) return
  post({pulled: unreported})
  unreported = 0
}

async function* body(): AsyncGenerator<Uint8Array | string> {
  for (;;) {
    const message = chunks.shift()
    if (!message) {
      // The main thread may be waiting for room: it hears of every byte taken before this waits.
      reportPulled()
      await next()
      continue
    }
    if ('end' in message) return
    if ('chunk' in message) {
      const {chunk} = message
      unreported += typeof chunk === 'string' ? chunk.length : chunk.byteLength
      if (unreported >= PULLED_REPORT_BYTES) reportPulled()
      yield chunk
    }
  }
}

const emptyBatch = (): RowBatch => ({rows: [], fields: [], suspects: [], others: []})

async function importRows({read, jurisdiction}: WorkerInput): Promise<void> {
  const inJurisdiction = jurisdiction ? compileArea(jurisdiction.area) : undefined
  const keys = new KeyHashes()
  let batch = emptyBatch()
  const send = async () => {
    post({batch})
    batch = emptyBatch()
    unacked++
    while (unacked >= BATCHES_IN_FLIGHT) await next()
  }
  const rows = readCameras(body(), {
    ...read,
    map: read.map === undefined ? undefined : parseColumnMap(read.map, `${read.fileName} --map`),
    rejectDuplicates: false,
    onColumns: (columns) => post({headers: columns.headers}),
  })
  for await (const {row, raw, result} of rows) {
    if (!result.ok) batch.others.push({reject: {row, errors: result.errors, raw}})
    else if (inJurisdiction && !inJurisdiction(result.camera))
      batch.others.push({reject: {row, raw, errors: [{field: 'latitude', message: `outside the jurisdiction of ${jurisdiction!.name}`, expected: 'a location inside your jurisdiction'}]}})
    else if (result.camera.source === OWNER_SOURCE) batch.others.push({owner: result.camera, row, raw})
    else {
      batch.rows.push(row)
      packCamera(result.camera, batch.fields)
      if (keys.seen(result.camera.source, result.camera.externalId)) batch.suspects.push([row, raw])
    }
    if (batch.rows.length + batch.others.length >= BATCH_ROWS) await send()
  }
  if (batch.rows.length + batch.others.length > 0) await send()
}
