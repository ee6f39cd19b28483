/**
 * What a server use case receives: the server's parts (store, hubs, keys) plus the two ways to record
 * what it did in the audit log. Services take `(ctx, actor, input)`, do the work and return data; they
 * know nothing of HTTP, and nothing of SQL beyond the store's repositories.
 *
 * Every call is audited exactly once: inside `audited(fn, facts)`, the record is appended in the same
 * transaction as fn's changes; a call that never reaches it (refused, invalid, not found, a read that
 * needs no transaction) is recorded when it ends, with the facts given to `note()` so far.
 */
import type {AuditOutcome} from '../audit/record.js'
import type {ServerContext} from '../server/context.js'

export type {Actor} from '../server/context.js'

/** Who the record names when there is no signed-in actor (a sign-up, a token link, a Core). */
export interface AuditSubject {
  id: string | null
  name: string
  role?: string
}

export interface AuditFacts {
  /** Replaces the route's declared action (e.g. `stream.start` for a view that started its stream). */
  action?: string
  target?: string
  detail?: Record<string, unknown>
  subject?: AuditSubject
  outcome?: AuditOutcome
}

export interface ServiceContext extends ServerContext {
  /** Facts for this call's record, kept whether it succeeds, fails or is refused. Later facts win. */
  note(facts: AuditFacts): void
  /**
   * Runs fn in one store transaction together with this call's audit record (the noted facts, then
   * `facts`, which may look at fn's result). At most once per call. Returns fn's result.
   */
  audited<T>(fn: () => Promise<T> | T, facts?: AuditFacts | ((result: T) => AuditFacts)): Promise<T>
}
