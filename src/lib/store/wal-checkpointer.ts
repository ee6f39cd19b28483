/**
 * SQLite WAL checkpoints off the request path. By default the connection whose COMMIT takes the WAL
 * past 1000 pages copies them into the database file and syncs it, inside that COMMIT: with an audit
 * record per request (about six pages each) one request in ~160 paid that (several ms, hundreds when
 * the disk is busy), and a large import's final COMMIT paid seconds.
 *
 * Here the server's connection does no automatic checkpoints; a worker thread with a connection of
 * its own runs a PASSIVE checkpoint every `intervalMs` (it never waits for, nor blocks, readers and
 * the writer; its copying and syncing happen on that thread). The writer restarts the WAL from its
 * start once a checkpoint has copied all of it, and that restart syncs the WAL's header on the
 * writer's thread: so checkpoints come once a second (a restart per ~300 requests one at a time,
 * rather than one per ~160 with the copying too), and ten times as often while the WAL holds more
 * than BUSY_FRAMES, which bounds it under heavy writes to about what 0.1 s of them adds.
 * Checkpoints do not change the content (`PRAGMA data_version`), so the radius index is not rebuilt.
 * Bound: should the worker stop for any reason but stop(), the connection checkpoints on commit again.
 *
 * The worker is a short CommonJS script run with `eval` (as audit-leaf-workers.ts): it runs the same
 * under tsx, vitest and the built dist/.
 */
import {createRequire} from 'node:module'
import {Worker} from 'node:worker_threads'

import type {Db} from './db.js'

const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file, {fileMustExist: true})
db.pragma('wal_autocheckpoint = 0')
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').raw()
let timer
const run = () => {
  const [, frames] = checkpoint.get()
  timer = setTimeout(run, frames > workerData.busyFrames ? workerData.intervalMs / 10 : workerData.intervalMs)
}
timer = setTimeout(run, workerData.intervalMs)
parentPort.once('message', () => {
  clearTimeout(timer)
  db.close()
  parentPort.close()
})
`

/** SQLite's own default, restored if the worker stops. */
const AUTOCHECKPOINT_PAGES = 1000
/** WAL frames (16 MB of 4 KiB pages) beyond which the worker checkpoints ten times as often. */
const BUSY_FRAMES = 4000

const driver = createRequire(import.meta.url).resolve('better-sqlite3')

export class WalCheckpointer {
  private stopping = false
  private readonly exited: Promise<void>

  private constructor(
    private readonly db: Db,
    private readonly worker: Worker,
  ) {
    // What the worker threw (its SQLite errors arrive with their code alone).
    let failure: string | undefined
    worker.on('error', (error: unknown) => {
      const {message, code} = error as {message?: string; code?: string}
      failure = message ?? code ?? String(error)
    })
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        if (!this.stopping && db.open) {
          db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
          process.stderr.write(`rtcc: background WAL checkpoints stopped${failure ? ` (${failure})` : ''}; checkpointing on commit again\n`)
        }
        resolve()
      }),
    )
    worker.unref()
  }

  /** Starts checkpointing `db`'s file from a worker thread (a file database in WAL mode). */
  static start(db: Db, options: {intervalMs?: number} = {}): WalCheckpointer {
    db.pragma('wal_autocheckpoint = 0')
    const worker = new Worker(WORKER_SOURCE, {eval: true, workerData: {file: db.name, driver, intervalMs: options.intervalMs ?? 1000, busyFrames: BUSY_FRAMES}})
    return new WalCheckpointer(db, worker)
  }

  /** Stops the worker (closing its connection); call before closing `db`, which then checkpoints as it closes. */
  async stop(): Promise<void> {
    this.stopping = true
    // Unreferenced, the worker would not keep a closing process alive until it has closed its connection.
    this.worker.ref()
    this.worker.postMessage('stop')
    await this.exited
  }
}
