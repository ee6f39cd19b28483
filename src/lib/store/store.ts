/**
 * The store every server use case talks to: repositories whose calls return promises, and
 * `transaction(fn)`, which runs fn and everything it stores (the audit record included) atomically.
 *
 * The SQLite modules in this folder are the reference implementation: each repository's interface is
 * its module's functions minus their leading database argument, so a second backend implements the
 * same signatures and returns the same row shapes. Which backend runs is known only here and in the
 * backends themselves.
 */
import type * as access from './access.js'
import type * as agencies from './agencies.js'
import type * as audit from './audit.js'
import type * as cameras from './cameras.js'
import type * as cores from './cores.js'
import type {Db} from './db.js'
import type * as events from './events.js'
import type * as evidence from './evidence.js'
import type * as owners from './owners.js'
import type * as panic from './panic.js'
import type * as policies from './policies.js'
import type * as requests from './requests.js'
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
  events: Repository<typeof events>
  evidence: Repository<typeof evidence>
  owners: Repository<typeof owners>
  panic: Repository<typeof panic>
  policies: Repository<typeof policies>
  requests: Repository<typeof requests>
  sessions: Repository<typeof sessions>
  users: Repository<typeof users>
}

export interface Store extends Repositories {
  readonly backend: 'sqlite' | 'postgres'
  /**
   * Runs fn in one transaction: every repository call made while fn runs (on this store, in fn's async
   * context) joins it; it commits when fn resolves and rolls back when fn throws. Nesting joins the
   * outer transaction. Keep slow I/O (hashing, files, network) outside: a transaction holds the writer.
   */
  transaction<T>(fn: () => Promise<T> | T): Promise<T>
  /** True while the calling async context is inside transaction(). */
  inTransaction(): boolean
  close(): Promise<void>
}
