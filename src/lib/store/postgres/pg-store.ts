/**
 * The PostgreSQL (+ PostGIS) store, for deployments that outgrow one machine: the same repositories
 * as the SQLite reference, over a `pg` connection pool.
 *
 * A transaction takes one pooled client for its whole body; AsyncLocalStorage hands that client to
 * every repository call made inside it, so services need not pass it around. Calls outside a
 * transaction take any free client for their one statement.
 */
import {AsyncLocalStorage} from 'node:async_hooks'

import pg from 'pg'

import type {Repository, StagedImport, Store} from '../store.js'
import * as access from './access.js'
import * as agencies from './agencies.js'
import * as audit from './audit.js'
import * as cameras from './cameras.js'
import * as cores from './cores.js'
import * as devices from './devices.js'
import * as events from './events.js'
import * as evidence from './evidence.js'
import {migratePostgres} from './migrate.js'
import * as owners from './owners.js'
import * as panic from './panic.js'
import type {Pg} from './pg.js'
import * as policies from './policies.js'
import * as rateLimits from './rate-limits.js'
import {PgStagedImport} from './registry-import.js'
import * as requests from './requests.js'
import * as search from './search.js'
import * as sessions from './sessions.js'
import * as users from './users.js'

// bigint (counts, sizes, sequence numbers) as numbers: every value the store keeps is below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

export class PgStore implements Store {
  readonly backend = 'postgres'
  readonly access = this.bind(access)
  readonly agencies = this.bind(agencies)
  readonly audit = this.bind(audit)
  readonly cameras = this.bind(cameras)
  readonly cores = this.bind(cores)
  readonly devices = this.bind(devices)
  readonly events = this.bind(events)
  readonly evidence = this.bind(evidence)
  readonly owners = this.bind(owners)
  readonly panic = this.bind(panic)
  readonly policies = this.bind(policies)
  readonly rateLimits = this.bind(rateLimits)
  readonly requests = this.bind(requests)
  readonly search = this.bind(search)
  readonly sessions = this.bind(sessions)
  readonly users = this.bind(users)
  /** The calling context's transaction: its client, and what runs once it commits. */
  private readonly tx = new AsyncLocalStorage<{client: pg.PoolClient; commits: Array<() => void>}>()

  private constructor(readonly pool: pg.Pool) {}

  /** `ssl`: TLS options (store/open.ts derives them from the URL's sslmode and strips it from the URL). */
  static async open(url: string, options: {max?: number; ssl?: pg.PoolConfig['ssl']} = {}): Promise<PgStore> {
    const max = options.max ?? 10
    // Two connections stay open however long the server idles: a new backend plans its first PostGIS
    // query in about 30 ms, which pg's default (drop every connection idle for 10 s) paid again after
    // each pause. Idle connections do not keep a finished CLI process alive (allowExitOnIdle).
    // Named statements (the store's hot paths: session and user lookups, audit appends, radius search)
    // keep one generic plan: PostgreSQL's default planned the radius search afresh on every call (its
    // estimate for a generic box is worse than any custom one), 0.45 of its 0.9 ms of server CPU at
    // 300 m. Unnamed statements are planned once per call whatever this says. Added to PGOPTIONS, which
    // an explicit `options` would otherwise replace (an `options` in the URL still wins, as before).
    const pool = new pg.Pool({
      connectionString: url, max, min: Math.min(2, max), allowExitOnIdle: true, ssl: options.ssl,
      options: [process.env.PGOPTIONS, '-c plan_cache_mode=force_generic_plan'].filter(Boolean).join(' '),
    })
    // A dropped idle connection is reported here; the pool replaces it on the next query.
    pool.on('error', () => undefined)
    const store = new PgStore(pool)
    await migratePostgres(pool)
    return store
  }

  /** The executor for the calling context: its transaction's client, or the pool. */
  get db(): Pg {
    return this.tx.getStore()?.client ?? this.pool
  }

  inTransaction(): boolean {
    return this.tx.getStore() !== undefined
  }

  onCommit(fn: () => void): void {
    const tx = this.tx.getStore()
    if (tx) tx.commits.push(fn)
    else fn()
  }

  async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.inTransaction()) return fn()
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const commits: Array<() => void> = []
      const result = await this.tx.run({client, commits}, fn)
      await client.query('COMMIT')
      for (const committed of commits) committed()
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }

  /** Deleted rows are gone from every query at commit; VACUUM reclaims their space in its own time. */
  forget<T>(fn: () => Promise<T>): Promise<T> {
    return fn()
  }

  stageImport(): Promise<StagedImport> {
    return PgStagedImport.open(this.pool, () => this.db)
  }

  async close(): Promise<void> {
    await this.pool.end()
  }

  /** Binds a repository module whose functions take the executor first. */
  bind<M extends object>(module: M): Repository<M, Pg> {
    const repository: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(module)) {
      if (typeof value !== 'function' || !/^[a-z]/.test(name)) continue
      repository[name] = (...args: unknown[]) => (value as (db: Pg, ...rest: unknown[]) => unknown)(this.db, ...args)
    }
    return repository as Repository<M, Pg>
  }
}
