/**
 * The store every server use case talks to: repositories whose calls return promises, and
 * `transaction(fn)`, which runs fn and everything it stores (the audit record included) atomically.
 *
 * The SQLite modules in this folder are the reference implementation: each repository's interface is
 * its module's functions minus their leading database argument, so a second backend implements the
 * same signatures and returns the same row shapes. Which backend runs is known only here and in the
 * backends themselves.
 */
import type {CameraInput} from '../domain/camera.js'
import type * as access from './access.js'
import type * as agencies from './agencies.js'
import type * as audit from './audit.js'
import type * as cameras from './cameras.js'
import type * as cores from './cores.js'
import type * as devices from './devices.js'
import type {Db} from './db.js'
import type * as events from './events.js'
import type * as evidence from './evidence.js'
import type * as owners from './owners.js'
import type * as panic from './panic.js'
import type * as policies from './policies.js'
import type * as rateLimits from './rate-limits.js'
import type {OnConflict, StagedCounts, StagedRepeat} from './registry-import.js'
import type * as requests from './requests.js'
import type * as search from './search.js'
import type * as sessions from './sessions.js'
import type * as users from './users.js'

/** A module's `(db, …args) => R` functions as `(…args) => Promise<R>`; its other exports dropped. */
export type Repository<M, D = Db> = {
  [K in keyof M as M[K] extends (db: D, ...args: never[]) => unknown ? K : never]: M[K] extends (db: D, ...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never
}

export interface Repositories {
  access: Repository<typeof access>
  agencies: Repository<typeof agencies>
  audit: Repository<typeof audit>
  cameras: Repository<typeof cameras>
  cores: Repository<typeof cores>
  devices: Repository<typeof devices>
  events: Repository<typeof events>
  evidence: Repository<typeof evidence>
  owners: Repository<typeof owners>
  panic: Repository<typeof panic>
  policies: Repository<typeof policies>
  rateLimits: Repository<typeof rateLimits>
  requests: Repository<typeof requests>
  search: Repository<typeof search>
  sessions: Repository<typeof sessions>
  users: Repository<typeof users>
}

/** A valid import row, with its row number in the file. */
export interface StagedRow {
  row: number
  camera: CameraInput
  /**
   * Whether an earlier row of the file may have the same source + external_id (the import worker's key
   * hashes decide: true for every row that does, and rarely for one that does not).
   */
  maybeRepeat: boolean
  /** The row's raw cells when maybeRepeat: a store that finds repeats only in endStaging() keeps them for the reject. */
  raw?: Record<string, unknown>
}

/**
 * One bulk import's staging area: valid rows go in, in batches, as the file is read (nothing in the
 * registry changes), then one set-based apply inside the audited transaction. Rows repeated within
 * the file are found by the staging area, not a map in memory. Always discard() it.
 */
export interface StagedImport {
  /** Rows staged so far. */
  readonly staged: number
  /**
   * How many rows add() wants at a time. The caller holds each batch's raw rows until add() says which
   * repeat an earlier row, so this bounds its memory as much as it saves round trips (or, on SQLite,
   * how long one add() holds the thread).
   */
  readonly batchRows: number
  /**
   * Stages valid rows, in file order. For each, the number of the earlier row with the same source
   * and external_id (the row is then not staged), or undefined. Only rows flagged maybeRepeat are
   * looked up. A store that finds repeats only once every row is in (SQLite) answers none here
   * (an empty array) and reports them from endStaging().
   */
  add(rows: readonly StagedRow[]): Promise<(number | undefined)[]>
  /**
   * After the last add(): the rows that repeat an earlier row's source + external_id and that add()
   * did not report (they are not staged): how many, and the first `list` of them in file order.
   */
  endStaging(list: number): Promise<{repeats: number; listed: StagedRepeat[]}>
  /**
   * Resolves each owner email to the earliest profile with it, or a new unverified owner; returns how
   * many owners applying would create. Call once, after endStaging() and before count() and apply().
   */
  resolveOwners(): Promise<number>
  /** What applying would do, in one pass (for --dry-run and the skip and fail policies). */
  count(): Promise<StagedCounts>
  /** Applies the staged rows (new owners, new cameras, and with `update` the changed ones). Call inside transaction(). */
  apply(options: {onConflict: OnConflict; now: string}): Promise<{inserted: number; updated: number}>
  /** Frees the staging area. */
  discard(): Promise<void>
}

export interface Store extends Repositories {
  readonly backend: 'sqlite' | 'postgres'
  /**
   * Runs fn in one transaction: every repository call made while fn runs (on this store, in fn's async
   * context) joins it; it commits when fn resolves and rolls back when fn throws. Nesting joins the
   * outer transaction. Keep slow I/O (hashing, files, network) outside: a transaction holds the writer.
   */
  transaction<T>(fn: () => Promise<T> | T): Promise<T>
  /**
   * Runs fn, which deletes personal data, so that the deleted rows do not linger where the engine
   * would otherwise leave them (SQLite: overwritten in place and checkpointed out of the WAL).
   */
  forget<T>(fn: () => Promise<T>): Promise<T>
  /** A staging area for one bulk import of registry cameras. */
  stageImport(): Promise<StagedImport>
  /** True while the calling async context is inside transaction(). */
  inTransaction(): boolean
  /** Runs fn once the calling context's transaction commits (never if it rolls back); at once outside one. */
  onCommit(fn: () => void): void
  close(): Promise<void>
}
