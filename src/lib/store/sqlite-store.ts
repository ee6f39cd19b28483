/**
 * The embedded default store: the SQLite repository modules bound to one better-sqlite3 connection.
 *
 * better-sqlite3 is synchronous, but a transaction's body is async (it awaits repository calls), so
 * other requests could run statements on the same connection while it is open. A queue gives the
 * connection to one async context at a time: a transaction holds it from BEGIN to COMMIT, a call
 * outside any transaction holds it for its one statement. AsyncLocalStorage tells a call made inside
 * a transaction's body that its context already holds the connection.
 */
import {AsyncLocalStorage} from 'node:async_hooks'
import {dirname} from 'node:path'

import * as access from './access.js'
import * as agencies from './agencies.js'
import * as audit from './audit.js'
import * as cameras from './cameras.js'
import * as cores from './cores.js'
import * as devices from './devices.js'
import type {Db} from './db.js'
import * as events from './events.js'
import * as evidence from './evidence.js'
import * as owners from './owners.js'
import * as panic from './panic.js'
import * as policies from './policies.js'
import * as rateLimits from './rate-limits.js'
import {SqliteStagedImport} from './registry-import.js'
import * as requests from './requests.js'
import * as search from './search.js'
import * as sessions from './sessions.js'
import type {Repository, StagedImport, Store} from './store.js'
import * as users from './users.js'
import {WalCheckpointer} from './wal-checkpointer.js'

export class SqliteStore implements Store {
  readonly backend = 'sqlite'
  readonly access
  readonly agencies
  readonly audit
  readonly cameras
  readonly cores
  readonly devices
  readonly events
  readonly evidence
  readonly owners
  readonly panic
  readonly policies
  readonly rateLimits
  readonly requests
  readonly search
  readonly sessions
  readonly users
  /** Set while a context holds the connection: what runs once its transaction commits. */
  private readonly holder = new AsyncLocalStorage<Array<() => void>>()
  private queue: Promise<unknown> = Promise.resolve()
  /** Calls inside forget() now: secure_delete stays on until the last one ends. */
  private forgetting = 0
  private secureDeleteBefore = 0
  /** Imports apply one at a time (each attaches its staging file as `staging`). */
  private importTurn: Promise<void> = Promise.resolve()

  /** Set when checkpoints run in the background (the server's store). */
  private readonly checkpointer?: WalCheckpointer

  constructor(
    readonly db: Db,
    options: {backgroundCheckpoints?: boolean} = {},
  ) {
    if (options.backgroundCheckpoints) this.checkpointer = WalCheckpointer.start(db)
    this.access = this.bind(access)
    this.agencies = this.bind(agencies)
    this.audit = this.bind(audit)
    this.cameras = this.bind(cameras)
    this.cores = this.bind(cores)
    this.devices = this.bind(devices)
    this.events = this.bind(events)
    this.evidence = this.bind(evidence)
    this.owners = this.bind(owners)
    this.panic = this.bind(panic)
    this.policies = this.bind(policies)
    this.rateLimits = this.bind(rateLimits)
    this.requests = this.bind(requests)
    this.search = this.bind(search)
    this.sessions = this.bind(sessions)
    this.users = this.bind(users)
  }

  inTransaction(): boolean {
    return this.holder.getStore() !== undefined
  }

  onCommit(fn: () => void): void {
    const commits = this.holder.getStore()
    if (commits) commits.push(fn)
    else fn()
  }

  transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.inTransaction()) return Promise.resolve().then(fn)
    return this.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE')
      try {
        const result = await fn()
        this.db.exec('COMMIT')
        for (const committed of this.holder.getStore()!) committed()
        return result
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK')
        throw error
      }
    })
  }

  /** Runs one synchronous piece of work on the connection, in turn with transactions. */
  run<T>(work: (db: Db) => T): Promise<T> {
    if (this.inTransaction()) return Promise.resolve().then(() => work(this.db))
    return this.exclusive(() => work(this.db))
  }

  async forget<T>(fn: () => Promise<T>): Promise<T> {
    if (this.forgetting++ === 0)
      await this.run((db) => {
        this.secureDeleteBefore = db.pragma('secure_delete', {simple: true}) as number
        db.pragma('secure_delete = ON')
      })
    try {
      return await fn()
    } finally {
      if (--this.forgetting === 0)
        await this.run((db) => {
          db.pragma(`secure_delete = ${this.secureDeleteBefore ? 'ON' : 'OFF'}`)
          // The WAL's older copies of the overwritten pages go too.
          db.pragma('wal_checkpoint(TRUNCATE)')
        })
    }
  }

  async stageImport(): Promise<StagedImport> {
    const turn = () => {
      let release!: () => void
      const mine = new Promise<void>((resolve) => (release = resolve))
      const before = this.importTurn
      this.importTurn = before.then(() => mine)
      return before.then(() => release)
    }
    return new SqliteStagedImport(dirname(this.db.name), (work) => this.run(work), turn)
  }

  async close(): Promise<void> {
    await this.queue
    await this.checkpointer?.stop()
    this.db.close()
  }

  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const turn = this.queue.then(() => this.holder.run([], fn))
    this.queue = turn.catch(() => undefined)
    return turn
  }

  private bind<M extends object>(module: M): Repository<M> {
    const repository: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(module)) {
      // Repository functions are the lower-case exports taking the connection first; classes and
      // constants are not part of the interface (the type says the same).
      if (typeof value !== 'function' || !/^[a-z]/.test(name)) continue
      repository[name] = (...args: unknown[]) => this.run((db) => (value as (db: Db, ...rest: unknown[]) => unknown)(db, ...args))
    }
    return repository as Repository<M>
  }
}
